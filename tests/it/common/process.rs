//! The real `lotcheck` binary, for tests that need a process of its own:
//! its commands, and `serve` started, killed and started again.

use super::PASSWORD;
use reqwest::StatusCode;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A port free at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `lotcheck` with `args` on the database, `stdin` (a line) as its input;
/// its exit status, stdout and stderr.
pub fn lotcheck(database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotcheck"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("LOTCHECK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lotcheck");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        writeln!(input, "{text}").unwrap();
    }
    drop(input);
    child.wait_with_output().expect("lotcheck output")
}

/// Adds the user `admin` (password [`PASSWORD`]) with `lotcheck user add`.
pub fn add_admin(database_url: &str) {
    let added = lotcheck(
        database_url,
        &[
            "user",
            "add",
            "--username",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(PASSWORD),
    );
    assert!(added.status.success(), "lotcheck user add: {added:?}");
}

/// Runs `lotcheck audit verify` on the database; answers (exit success, stdout).
pub fn audit_verify(database_url: &str) -> (bool, String) {
    let output = lotcheck(database_url, &["audit", "verify"], None);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `lotcheck serve` on the database and port with one worker, output
/// dropped; callers add flags, environment and where logs go.
pub fn serve_command(database_url: &str, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lotcheck"));
    command
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A server started by [`serve`]: killed when dropped, so a test that fails
/// half-way leaves no server behind (nor the ports, files and locks it
/// holds, which outlived a failed run and held up the next).
pub struct Served(Option<Child>);

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `lotcheck serve` on the database and port (one worker, logs at
/// `warn` and dropped) and waits until `/healthz` answers 200.
pub async fn serve(database_url: &str, port: u16) -> Served {
    let mut child = serve_command(database_url, port)
        .env("LOTCHECK_LOG", "warn")
        .spawn()
        .expect("start lotcheck");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if response.status() == StatusCode::OK {
                return Served(Some(child));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("lotcheck did not answer /healthz");
}

/// SIGKILL: no shutdown, no checkpoint, no rollback sent to the database.
pub fn kill(mut served: Served) {
    let mut child = served.0.take().expect("a served process is killed once");
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
}
