//! The layering of `src/` as ARCHITECTURE.md states it, checked on the
//! source itself: every path a module names (`use` trees and paths in code,
//! test modules excepted) is resolved to the module it points at, and
//!
//! - each layer imports only the layers it may (`ALLOWED`);
//! - `domain` names no crate that does I/O (`DOMAIN_FORBIDDEN_CRATES`), and
//!   `api` and `web` do not name diesel;
//! - inside a layer, the modules one level down form no cycle.
//!
//! The source is parsed with `syn`, so comments, strings and macros' text do
//! not count; a path inside a macro call that syn does not parse (e.g.
//! `format!`) is not seen, which is fine for an import rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// What each layer may import, besides itself. `crate` root items (`lib.rs`)
/// and the binary (`main.rs`) sit above every layer and are not checked.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("error", &["domain", "i18n"]),
    ("fonts", &[]),
    ("i18n", &["domain"]),
    ("store", &["domain", "error"]),
    ("charts", &["domain", "error", "fonts", "i18n"]),
    ("report", &["domain", "charts", "error", "fonts", "i18n"]),
    (
        "service",
        &["domain", "store", "error", "charts", "report", "i18n"],
    ),
    ("config", &["store"]),
    (
        "api",
        &[
            "service", "domain", "error", "store", "charts", "report", "i18n",
        ],
    ),
    (
        "web",
        &[
            "api", "service", "domain", "error", "store", "report", "i18n",
        ],
    ),
    // The demo data: stored through `service`, above it; only the binary
    // (`serve --demo`) uses it.
    ("demo", &["service", "domain", "store", "error"]),
];

/// The only items of `store` that `api` and `web` may name: the handle that
/// opens a transaction for a use case, and the shapes of list queries.
const STORE_ITEMS_FOR_HANDLERS: &[&str] = &[
    "store::Db",
    "store::DbConnection",
    "store::PageRequest",
    "store::orders::OrderFilter",
    "store::audit::AuditFilter",
];

/// Crates that read or write the world; pure rules name none of them.
const DOMAIN_FORBIDDEN_CRATES: &[&str] = &[
    "diesel",
    "actix_web",
    "actix_multipart",
    "maud",
    "krilla",
    "plotters",
    "resvg",
    "usvg",
    "tokio",
    "reqwest",
    "tracing",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
];

/// A module of the crate, as path segments below `crate`.
type Module = Vec<String>;

/// One named path: where it is named, and what it names.
struct Reference {
    from: Module,
    file: PathBuf,
    line: usize,
    target: Vec<String>,
}

/// Every module of the crate from the files under `src/`, with its file.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut segments: Module = relative
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if matches!(
                segments.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                segments.pop();
            }
            // `src/bin/*` and `main.rs` are binaries, not modules of the library.
            if relative.starts_with("bin") || relative == Path::new("main.rs") {
                continue;
            }
            found.insert(segments, path);
        }
    }
    found
}

/// Collects the paths named in one file, resolved against its module.
struct Collector<'a> {
    module: Module,
    file: PathBuf,
    known: &'a BTreeSet<Module>,
    found: Vec<Reference>,
}

impl Collector<'_> {
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => {
                let mut base = self.module.clone();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                return Some(base);
            }
            // A child module named without `self::` (uniform paths).
            name => {
                let mut child = self.module.clone();
                child.push(name.to_string());
                if self.known.contains(&child) {
                    self.module.clone()
                } else {
                    return None;
                }
            }
        };
        let skip = usize::from(matches!(first.as_str(), "crate" | "self"));
        base.extend(segments[skip..].iter().cloned());
        Some(base)
    }

    fn record(&mut self, segments: Vec<String>, line: usize) {
        if let Some(target) = self.resolve(&segments) {
            self.found.push(Reference {
                from: self.module.clone(),
                file: self.file.clone(),
                line,
                target,
            });
        } else if self
            .module
            .first()
            .is_some_and(|l| matches!(l.as_str(), "domain" | "api" | "web"))
        {
            // External paths matter only for the crate rules of these layers.
            self.found.push(Reference {
                from: self.module.clone(),
                file: self.file.clone(),
                line,
                target: std::iter::once("::extern".to_string())
                    .chain(segments)
                    .collect(),
            });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, line: usize) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.clone();
                if name.ident != "self" {
                    full.push(name.ident.to_string());
                }
                self.record(full, line);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                full.push(rename.ident.to_string());
                self.record(full, line);
            }
            syn::UseTree::Glob(_) => self.record(prefix.clone(), line),
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.use_tree(prefix, item, line);
                }
            }
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if is_test_only(&item.attrs) {
            return;
        }
        if let Some((_, items)) = &item.content {
            self.module.push(item.ident.to_string());
            for inner in items {
                self.visit_item(inner);
            }
            self.module.pop();
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if is_test_only(&item.attrs) {
            return;
        }
        let line = syn::spanned::Spanned::span(item).start().line;
        let mut prefix = Vec::new();
        if item.leading_colon.is_some() {
            // `use ::x` names an external crate.
            prefix.push("::".to_string());
        }
        self.use_tree(&mut prefix, &item.tree, line);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            let line = syn::spanned::Spanned::span(path).start().line;
            self.record(segments, line);
        }
        syn::visit::visit_path(self, path);
    }
}

/// Every path named under `src/`, with the modules found.
fn references(src: &Path) -> (BTreeSet<Module>, Vec<Reference>) {
    let files = modules(src);
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    let mut found = Vec::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).expect("read source");
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut collector = Collector {
            module: module.clone(),
            file: file.clone(),
            known: &known,
            found: Vec::new(),
        };
        collector.visit_file(&parsed);
        found.extend(collector.found);
    }
    (known, found)
}

/// The longest known module that `target` starts with.
fn owning_module(known: &BTreeSet<Module>, target: &[String]) -> Module {
    (0..=target.len())
        .rev()
        .map(|n| target[..n].to_vec())
        .find(|prefix| known.contains(prefix))
        .unwrap_or_default()
}

/// Wrong-way imports, one line each.
pub fn layer_violations(src: &Path) -> Vec<String> {
    let (known, found) = references(src);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut problems = BTreeSet::new();
    for reference in &found {
        let Some(layer) = reference.from.first() else {
            continue;
        };
        let place = format!(
            "{}:{}",
            reference
                .file
                .strip_prefix(src)
                .unwrap_or(&reference.file)
                .display(),
            reference.line
        );
        if reference.target.first().is_some_and(|s| s == "::extern") {
            let named = reference.target[1..].join("::");
            if layer != "domain" {
                if named == "diesel" || named.starts_with("diesel::") {
                    problems.insert(format!(
                        "{place}: `{layer}` names `diesel`; handlers reach the database through `service`"
                    ));
                }
                continue;
            }
            if let Some(bad) = DOMAIN_FORBIDDEN_CRATES
                .iter()
                .find(|c| named == **c || named.starts_with(&format!("{c}::")))
            {
                problems.insert(format!(
                    "{place}: domain names `{bad}`, a crate that does I/O"
                ));
            }
            continue;
        }
        let target = owning_module(&known, &reference.target);
        let Some(target_layer) = target.first() else {
            continue; // the crate root (lib.rs): `Settings`, `server`
        };
        if target_layer == layer {
            continue;
        }
        let Some(may) = allowed.get(layer.as_str()) else {
            problems.insert(format!(
                "{place}: layer `{layer}` is not in the layering table"
            ));
            continue;
        };
        if !may.contains(&target_layer.as_str()) {
            problems.insert(format!(
                "{place}: `{}` imports `{}`, but `{layer}` may import only {:?}",
                reference.from.join("::"),
                reference.target.join("::"),
                may
            ));
            continue;
        }
        if target_layer == "store" && matches!(layer.as_str(), "api" | "web") {
            let named = reference.target.join("::");
            if !STORE_ITEMS_FOR_HANDLERS.contains(&named.as_str()) {
                problems.insert(format!(
                    "{place}: `{}` names `{named}`; handlers reach storage only through `service` \
                     (allowed from `store`: {STORE_ITEMS_FOR_HANDLERS:?})",
                    reference.from.join("::")
                ));
            }
        }
    }
    problems.extend(cycles(&known, &found));
    problems.into_iter().collect()
}

/// Cycles among the modules one level below each layer (`service::visual`
/// → `service::sampling` → … → `service::visual`).
fn cycles(known: &BTreeSet<Module>, found: &[Reference]) -> Vec<String> {
    let top = |module: &[String]| module.iter().take(2).cloned().collect::<Module>();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for reference in found {
        if reference.target.first().is_some_and(|s| s == "::extern") {
            continue;
        }
        let from = top(&reference.from);
        let to = top(&owning_module(known, &reference.target));
        if from.len() == 2 && to.len() == 2 && from[0] == to[0] && from != to {
            edges.entry(from).or_default().insert(to);
        }
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let names: Vec<String> = component.iter().map(|m| m.join("::")).collect();
            let links: Vec<String> = component
                .iter()
                .flat_map(|m| {
                    edges[m]
                        .iter()
                        .filter(|t| component.contains(*t))
                        .map(move |t| format!("{} → {}", m.join("::"), t.join("::")))
                })
                .collect();
            format!(
                "import cycle among {}: {}",
                names.join(", "),
                links.join("; ")
            )
        })
        .collect()
}

/// Tarjan's algorithm: the strongly connected components of `edges`.
fn strongly_connected(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        components: Vec<BTreeSet<Module>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a Module) {
        let n = state.index.len();
        state.index.insert(node, n);
        state.low.insert(node, n);
        state.stack.push(node);
        for next in state.edges.get(node).into_iter().flatten() {
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[node].min(state.low[next]);
                state.low.insert(node, low);
            } else if state.stack.contains(&next) {
                let low = state.low[node].min(state.index[next]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = BTreeSet::new();
            while let Some(top) = state.stack.pop() {
                component.insert(top.clone());
                if top == node {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for node in edges.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.components
}

pub fn layers_import_one_way_and_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = layer_violations(&src);
    assert!(
        problems.is_empty(),
        "{} layering problems (see ARCHITECTURE.md):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
