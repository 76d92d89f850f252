//! Pages as PDFs, printed by headless Chromium: the page's HTML (whole in itself: its
//! style and charts are inline) is written to a private scratch directory and
//! Chromium prints it on A4, as the page's print style lays it out. The program is
//! `PRAXIS_CHROMIUM` when set, else the first of `chromium`, `chromium-browser` and
//! `google-chrome` on the `PATH`. Without it the route answers 503 saying what to
//! install. A print that takes longer than `LONGEST` is stopped.

use crate::error::ServerError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a print may take.
const LONGEST: Duration = Duration::from_secs(60);
const PROGRAMS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

fn chromium() -> Result<PathBuf, ServerError> {
    if let Some(named) = std::env::var_os("PRAXIS_CHROMIUM").filter(|v| !v.is_empty()) {
        let named = PathBuf::from(named);
        return if named.is_file() {
            Ok(named)
        } else {
            Err(ServerError::Unavailable(format!(
                "PRAXIS_CHROMIUM names {}, which is not a program: set it to Chromium's path, or unset it to use `chromium` on the PATH.",
                named.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| PROGRAMS.iter().map(move |p| dir.join(p)))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            ServerError::Unavailable(
                "Printing to PDF needs Chromium where the server runs: install it (`apt-get install chromium` on Debian) or set PRAXIS_CHROMIUM to its path. Meanwhile, print the page from your browser.".into(),
            )
        })
}

/// The scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Result<Scratch, ServerError> {
    let dir = std::env::temp_dir().join(format!("praxis-print-{}", uuid::Uuid::now_v7()));
    let failed =
        |e: std::io::Error| ServerError::Internal(format!("no scratch directory to print in: {e}"));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(failed)?;
    Ok(Scratch(dir))
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `html` printed as a PDF on A4.
pub fn print(html: &str) -> Result<Vec<u8>, ServerError> {
    let program = chromium()?;
    let scratch = scratch()?;
    let page = scratch.0.join("page.html");
    let out = scratch.0.join("page.pdf");
    std::fs::write(&page, html).map_err(|e| {
        ServerError::Internal(format!("the page could not be written to print: {e}"))
    })?;
    let mut child = Command::new(&program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            "--no-pdf-header-footer",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", scratch.0.join("profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(file_url(&page))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            ServerError::Unavailable(format!(
                "{} could not be started to print ({e}): check that it runs, or set PRAXIS_CHROMIUM to another Chromium.",
                program.display()
            ))
        })?;
    let began = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if began.elapsed() > LONGEST => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ServerError::Internal(format!(
                    "printing the PDF took longer than {} s and was stopped",
                    LONGEST.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(ServerError::Internal(format!("printing the PDF: {e}"))),
        }
    };
    let pdf = std::fs::read(&out).unwrap_or_default();
    if !status.success() || !pdf.starts_with(b"%PDF-") {
        return Err(ServerError::Internal(format!(
            "{} did not print the PDF ({status})",
            program.display()
        )));
    }
    Ok(pdf)
}
