//! A message of the catalogues (`locales/*/lotcheck.ftl`) named by its key,
//! with its arguments: what a rule says when a value breaks it, kept as data
//! so that whoever answers can give it in the reader's language. The words
//! themselves live in the catalogues; `i18n` renders them.

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Argument)>,
}

/// An argument's value: a text as it is (a number, a code, a name), or a
/// message of its own, rendered in the same language ("line 4: " before
/// what is wrong with the line).
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    Text(String),
    Message(Box<Message>),
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// With the argument `{ $name }`.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, Argument::Text(value.to_string())));
        self
    }

    /// With the argument `{ $name }` a message of its own.
    pub fn arg_message(mut self, name: &'static str, value: Message) -> Self {
        self.args.push((name, Argument::Message(Box::new(value))));
        self
    }

    /// `message` said of line `line` of an uploaded file.
    pub fn at_line(line: impl ToString, message: Message) -> Self {
        Self::new("err-at-line")
            .arg("line", line)
            .arg_message("message", message)
    }

    /// `message` said of the cell in `column` of line `line`.
    pub fn at_cell(line: impl ToString, column: impl ToString, message: Message) -> Self {
        Self::new("err-at-cell")
            .arg("line", line)
            .arg("column", column)
            .arg_message("message", message)
    }
}
