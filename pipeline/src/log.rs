//! Logging to stderr with levels and a text or JSON format.
//!
//! Security property: log lines carry stage names, counts, timings and file paths only, never a
//! value from a record (no pseudonym, record id, code or date of a child). Callers pass counts
//! and paths; there is no API that takes a record. The test `no_identifier_reaches_an_output_or_a_log`
//! scans every level in both formats.
//!
//! Levels: `error` (what stopped the run), `warn`, `info` (one line per stage; the default),
//! `debug` (per source, per query and per table detail). `--quiet` is `--log-level error`.
//!
//! Owns: log levels, formats and stage timings. May not touch: record values.

use std::fmt;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::Instant;

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    /// Only what stopped a command.
    Error,
    /// Also conditions worth a look that did not stop it.
    Warn,
    /// Also one line per stage (default).
    Info,
    /// Also per-source, per-query and per-table detail.
    Debug,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

/// Shape of each log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `safestat: <stage>: <message>`.
    Text,
    /// One JSON object per line: `level`, `stage`, `message`, `elapsed_ms`.
    Json,
}

struct Settings {
    level: Level,
    format: LogFormat,
    start: Instant,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Set the level and format once, at start-up (later calls are ignored).
pub fn init(level: Level, format: LogFormat) {
    let _ = SETTINGS.set(Settings { level, format, start: Instant::now() });
}

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings { level: Level::Info, format: LogFormat::Text, start: Instant::now() })
}

/// Whether lines at `level` are written.
pub fn enabled(level: Level) -> bool {
    level <= settings().level
}

/// One formatted line.
fn line(level: &str, stage: &str, message: &dyn fmt::Display) -> String {
    let s = settings();
    match s.format {
        LogFormat::Text if level == "info" => format!("safestat: {stage}: {message}\n"),
        LogFormat::Text => format!("safestat: {level}: {stage}: {message}\n"),
        LogFormat::Json => {
            let mut object = serde_json::json!({
                "level": level,
                "stage": stage,
                "message": message.to_string(),
                "elapsed_ms": u64::try_from(s.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            })
            .to_string();
            object.push('\n');
            object
        }
    }
}

fn write(line: &str) {
    // A closed stderr must not stop the run.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Write one line at `level` for `stage`, if enabled.
pub fn emit(level: Level, stage: &str, message: fmt::Arguments<'_>) {
    if enabled(level) {
        write(&line(level.name(), stage, &message));
    }
}

/// The error that stopped a command, whatever the level: `safestat: error: <error>` in text, a
/// JSON line otherwise.
pub fn fatal(error: &dyn fmt::Display) {
    match settings().format {
        LogFormat::Text => write(&format!("safestat: error: {error}\n")),
        LogFormat::Json => write(&line("error", "safestat", error)),
    }
}

/// `emit` at warn level.
pub fn warn(stage: &str, message: fmt::Arguments<'_>) {
    emit(Level::Warn, stage, message);
}

/// `emit` at info level.
pub fn info(stage: &str, message: fmt::Arguments<'_>) {
    emit(Level::Info, stage, message);
}

/// `emit` at debug level.
pub fn debug(stage: &str, message: fmt::Arguments<'_>) {
    emit(Level::Debug, stage, message);
}

/// A progress line for a long stage, redrawn in place on stderr at most five times a second.
/// Drawn only when stderr is a terminal, the level is `info` or more and the format is text, so
/// logs, pipes and CI output never see it. Shows counts only.
pub struct Progress {
    label: String,
    active: bool,
    last: Instant,
}

impl Progress {
    /// A progress line for `stage` and `label` (e.g. a file name).
    pub fn new(stage: &str, label: &str) -> Progress {
        use std::io::IsTerminal as _;
        let s = settings();
        let active = std::io::stderr().is_terminal() && enabled(Level::Info) && s.format == LogFormat::Text;
        Progress { label: format!("safestat: {stage}: {label}"), active, last: Instant::now() }
    }

    /// Report `done` units (e.g. rows) so far.
    pub fn update(&mut self, done: u64, unit: &str) {
        if self.active && self.last.elapsed().as_millis() >= 200 {
            self.last = Instant::now();
            write(&format!("\r{}: {} {unit}\x1b[K", self.label, crate::domain::thousands(done)));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.active {
            write("\r\x1b[K");
        }
    }
}

/// Time a stage: logs its duration at debug level when dropped.
pub struct StageTimer {
    stage: &'static str,
    start: Instant,
}

impl StageTimer {
    /// Start timing `stage`.
    pub fn start(stage: &'static str) -> StageTimer {
        StageTimer { stage, start: Instant::now() }
    }

    /// Seconds since the start.
    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

impl Drop for StageTimer {
    fn drop(&mut self) {
        debug(self.stage, format_args!("took {:.2} s", self.seconds()));
    }
}
