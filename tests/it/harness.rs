//! The harness of the integration tests (libtest-mimic). Every test is a
//! trial; a test written for every backend is two, `<name>_sqlite` and
//! `<name>_postgres`. What a trial needs beyond the SQLite compiled in is
//! looked for once at startup: a trial this machine cannot run is ignored,
//! and the reason is printed after the summary. In CI (`CI` set) nothing is
//! ignored: such a trial fails with the reason. Run with `--ignored` (or
//! `--include-ignored`), it fails with the reason too.

use crate::common::{Backend, POSTGRES_ENV};
use libtest_mimic::{Arguments, FormatSetting, Trial};
use std::collections::BTreeSet;
use std::future::Future;
use std::process::{Command, ExitCode};

/// What a test needs besides the SQLite compiled in.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// A PostgreSQL server where the tests may create databases.
    Postgres,
    /// The test Python ([`python`]), able to import these modules.
    Python(&'static [&'static str]),
    /// Headless Chromium driven through ChromeDriver.
    Browser,
    /// poppler-utils, to open PDFs.
    Poppler,
}

/// The poppler-utils the report tests run.
const POPPLER: [&str; 4] = ["pdftotext", "pdffonts", "pdftoppm", "pdfinfo"];

/// The Python of the oracles: `LOTCHECK_TEST_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("LOTCHECK_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// ChromeDriver: `LOTCHECK_TEST_CHROMEDRIVER`, else Debian's.
pub fn chromedriver() -> String {
    std::env::var("LOTCHECK_TEST_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// Chromium: `LOTCHECK_TEST_CHROMIUM`, else Debian's.
pub fn chromium() -> String {
    std::env::var("LOTCHECK_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

struct Planned {
    name: String,
    needs: Vec<Need>,
    run: Box<dyn FnOnce() + Send>,
}

/// The trials to run, gathered before anything runs.
#[derive(Default)]
pub struct Tests {
    planned: Vec<Planned>,
}

impl Tests {
    /// A plain test.
    pub fn test(&mut self, name: &str, test: fn(), needs: &[Need]) {
        self.plan(name.into(), needs.to_vec(), Box::new(test));
    }

    /// An async test, on a runtime of its own as `#[tokio::test]` gave it.
    pub fn async_test<F>(&mut self, name: &str, test: fn() -> F, needs: &[Need])
    where
        F: Future<Output = ()> + 'static,
    {
        self.plan(
            name.into(),
            needs.to_vec(),
            Box::new(move || block_on(test())),
        );
    }

    /// An async test run on each backend, as two trials.
    pub fn each_backend<F>(&mut self, name: &str, test: fn(Backend) -> F, needs: &[Need])
    where
        F: Future<Output = ()> + 'static,
    {
        for (backend, suffix) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let mut needs = needs.to_vec();
            if backend == Backend::Postgres {
                needs.push(Need::Postgres);
            }
            let run = Box::new(move || block_on(test(backend)));
            self.plan(format!("{name}_{suffix}"), needs, run);
        }
    }

    fn plan(&mut self, name: String, needs: Vec<Need>, run: Box<dyn FnOnce() + Send>) {
        self.planned.push(Planned { name, needs, run });
    }

    /// Runs the trials the arguments select; answers the exit code.
    pub fn run(self) -> ExitCode {
        let args = Arguments::from_args();
        let ci = std::env::var_os("CI").is_some();
        // Only the needs of trials the filters select are looked for. The
        // ignored flag keeps `--ignored` from filtering this probe out.
        let selected = |name: &str| {
            !args.is_filtered_out(&Trial::test(name, || Ok(())).with_ignored_flag(true))
        };
        let wanted: Vec<Need> = self
            .planned
            .iter()
            .filter(|p| selected(&p.name))
            .flat_map(|p| p.needs.iter().copied())
            .collect();
        let machine = Machine::look(&wanted);
        let mut ignored = Vec::new();
        let trials: Vec<Trial> = self
            .planned
            .into_iter()
            .map(|planned| {
                let missing: Vec<String> = if selected(&planned.name) {
                    planned
                        .needs
                        .iter()
                        .filter_map(|n| machine.lacks(n))
                        .collect()
                } else {
                    Vec::new()
                };
                let reason = (!missing.is_empty()).then(|| missing.join("; "));
                let ignore = reason.is_some() && !ci;
                if let Some(reason) = reason.as_ref().filter(|_| ignore) {
                    ignored.push(format!("{} — {reason}", planned.name));
                }
                let run = planned.run;
                Trial::test(planned.name, move || match reason {
                    Some(reason) if ci => Err(format!("CI must run this test; {reason}").into()),
                    Some(reason) => Err(reason.into()),
                    None => {
                        run();
                        Ok(())
                    }
                })
                .with_ignored_flag(ignore)
            })
            .collect();
        let conclusion = libtest_mimic::run(&args, trials);
        let json = matches!(args.format, Some(FormatSetting::Json));
        let ran_ignored = args.ignored || args.include_ignored;
        if !ignored.is_empty() && !args.list && !json && !ran_ignored {
            println!("ignored, and why:");
            for line in ignored {
                println!("    {line}");
            }
            println!();
        }
        conclusion.exit_code()
    }
}

fn block_on<F: Future<Output = ()>>(test: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(test)
}

/// What this machine has of what the selected trials need, looked for once.
struct Machine {
    postgres: bool,
    /// The modules the test Python cannot import, or why it does not run.
    python: Result<BTreeSet<String>, String>,
    browser: Vec<String>,
    poppler: Vec<&'static str>,
}

impl Machine {
    fn look(needs: &[Need]) -> Self {
        let wants = |f: fn(&Need) -> bool| needs.iter().any(f);
        let modules: BTreeSet<&str> = needs
            .iter()
            .flat_map(|n| match n {
                Need::Python(modules) => modules.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        let browser = if wants(|n| matches!(n, Need::Browser)) {
            [chromedriver(), chromium()]
                .into_iter()
                .filter(|path| !std::path::Path::new(path).exists())
                .collect()
        } else {
            Vec::new()
        };
        let poppler = if wants(|n| matches!(n, Need::Poppler)) {
            POPPLER
                .into_iter()
                .filter(|tool| Command::new(tool).arg("-v").output().is_err())
                .collect()
        } else {
            Vec::new()
        };
        Self {
            postgres: std::env::var_os(POSTGRES_ENV).is_some(),
            python: python_lacks(&modules),
            browser,
            poppler,
        }
    }

    /// Why `need` is not met here, if it is not.
    fn lacks(&self, need: &Need) -> Option<String> {
        match need {
            Need::Postgres if !self.postgres => Some(format!("no PostgreSQL: set {POSTGRES_ENV}")),
            Need::Python(modules) => {
                let problem = match &self.python {
                    Err(problem) => problem.clone(),
                    Ok(missing) => {
                        let missing: Vec<&str> = modules
                            .iter()
                            .copied()
                            .filter(|m| missing.contains(*m))
                            .collect();
                        if missing.is_empty() {
                            return None;
                        }
                        format!("cannot import {}", missing.join(", "))
                    }
                };
                Some(format!(
                    "no Python with {}: {} {problem}; set LOTCHECK_TEST_PYTHON to one with scripts/requirements.txt",
                    modules.join(", "),
                    python()
                ))
            }
            Need::Browser if !self.browser.is_empty() => Some(format!(
                "no browser: {} not found; apt-get install chromium chromium-driver",
                self.browser.join(", ")
            )),
            Need::Poppler if !self.poppler.is_empty() => Some(format!(
                "no poppler-utils: {} not found; apt-get install poppler-utils",
                self.poppler.join(", ")
            )),
            _ => None,
        }
    }
}

/// Asks the test Python, once, which of `modules` it cannot import.
fn python_lacks(modules: &BTreeSet<&str>) -> Result<BTreeSet<String>, String> {
    if modules.is_empty() {
        return Ok(BTreeSet::new());
    }
    let probe = "import importlib, sys\nfor m in sys.argv[1:]:\n    try: importlib.import_module(m)\n    except Exception: print(m)";
    let out = Command::new(python())
        .arg("-c")
        .arg(probe)
        .args(modules)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "is not there".to_string(),
            _ => format!("does not start ({e})"),
        })?;
    if !out.status.success() {
        return Err(format!(
            "fails: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}
