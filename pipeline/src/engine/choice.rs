//! Where the queries run: DataFusion in this process, or an Apache DataFusion Ballista cluster
//! (issue 10). Parsed once from `--engine` or the configuration's `[engine]` table.
//!
//! Owns: the names of engines. May not touch: sessions.

use std::fmt;

/// Ballista's default scheduler port.
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// The query engine of a release.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// DataFusion in this process (the default).
    #[default]
    Local,
    /// A Ballista scheduler and executor started inside this process (tests and demos).
    BallistaStandalone,
    /// A running Ballista cluster, by its scheduler's address.
    Ballista {
        /// Host name or address of the scheduler.
        host: String,
        /// Its gRPC port.
        port: u16,
    },
}

impl EngineChoice {
    /// Parse the `--engine` value: `local`, `ballista-standalone`, or a scheduler address
    /// `ballista://HOST[:PORT]` (also written `df://HOST[:PORT]`; the port defaults to 50050).
    pub fn parse(text: &str) -> Result<EngineChoice, String> {
        match text {
            "local" => Ok(EngineChoice::Local),
            "ballista-standalone" => Ok(EngineChoice::BallistaStandalone),
            _ => Self::parse_scheduler(text),
        }
    }

    /// Parse a scheduler address `df://HOST[:PORT]` or `ballista://HOST[:PORT]`.
    pub fn parse_scheduler(text: &str) -> Result<EngineChoice, String> {
        let expected = "expected `local`, `ballista-standalone` or a scheduler address `ballista://HOST:PORT` \
                        (or `df://HOST:PORT`)";
        let rest = text
            .strip_prefix("ballista://")
            .or_else(|| text.strip_prefix("df://"))
            .ok_or_else(|| format!("`{text}`: {expected}"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("`{text}`: the port is not a number from 1 to 65535"))?;
                (host, port)
            }
            None => (rest, DEFAULT_SCHEDULER_PORT),
        };
        let valid =
            !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !valid {
            return Err(format!("`{text}`: the scheduler's host name is missing or is not a host name"));
        }
        Ok(EngineChoice::Ballista { host: host.to_string(), port })
    }

    /// Whether the queries run on Ballista (so the dataset must be on a shared folder).
    pub fn is_distributed(&self) -> bool {
        !matches!(self, EngineChoice::Local)
    }
}

impl fmt::Display for EngineChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineChoice::Local => f.write_str("local"),
            EngineChoice::BallistaStandalone => f.write_str("ballista-standalone"),
            EngineChoice::Ballista { host, port } => write!(f, "df://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_values_parse() {
        assert_eq!(EngineChoice::parse("local"), Ok(EngineChoice::Local));
        assert_eq!(EngineChoice::parse("ballista-standalone"), Ok(EngineChoice::BallistaStandalone));
        let remote = EngineChoice::Ballista { host: "10.0.0.5".into(), port: 50050 };
        assert_eq!(EngineChoice::parse("ballista://10.0.0.5:50050"), Ok(remote.clone()));
        assert_eq!(EngineChoice::parse("df://10.0.0.5"), Ok(remote.clone()));
        assert_eq!(remote.to_string(), "df://10.0.0.5:50050");
        assert_eq!(
            EngineChoice::parse("ballista://scheduler.example:7000/"),
            Ok(EngineChoice::Ballista { host: "scheduler.example".into(), port: 7000 })
        );
    }

    #[test]
    fn bad_engine_values_are_explained() {
        for (text, expected) in [
            ("ballista", "expected `local`"),
            ("http://host:50050", "expected `local`"),
            ("ballista://", "host name is missing"),
            ("ballista://host:0", "port is not a number"),
            ("ballista://host:x", "port is not a number"),
            ("df://a b:1", "not a host name"),
        ] {
            let err = EngineChoice::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
