//! classification.config and reference.config: the tables `classtype:`
//! and `reference:` look names up in.
//!
//! Both have Suricata's shipped table built in, so a rule set loads with
//! no config files; a user file adds entries or overrides them. Names are
//! case-insensitive, as in Suricata (it lower-cases them on load).

use std::collections::HashMap;

/// ET Open's classification.config (BSD-licensed, the table Suricata
/// ships): name, description, priority.
const BUILTIN_CLASSIFICATIONS: &[(&str, &str, u8)] = &[
    ("not-suspicious", "Not Suspicious Traffic", 3),
    ("unknown", "Unknown Traffic", 3),
    ("bad-unknown", "Potentially Bad Traffic", 2),
    ("attempted-recon", "Attempted Information Leak", 2),
    ("successful-recon-limited", "Information Leak", 2),
    (
        "successful-recon-largescale",
        "Large Scale Information Leak",
        2,
    ),
    ("attempted-dos", "Attempted Denial of Service", 2),
    ("successful-dos", "Denial of Service", 2),
    ("attempted-user", "Attempted User Privilege Gain", 1),
    ("unsuccessful-user", "Unsuccessful User Privilege Gain", 1),
    ("successful-user", "Successful User Privilege Gain", 1),
    (
        "attempted-admin",
        "Attempted Administrator Privilege Gain",
        1,
    ),
    (
        "successful-admin",
        "Successful Administrator Privilege Gain",
        1,
    ),
    ("rpc-portmap-decode", "Decode of an RPC Query", 2),
    ("shellcode-detect", "Executable code was detected", 1),
    ("string-detect", "A suspicious string was detected", 3),
    (
        "suspicious-filename-detect",
        "A suspicious filename was detected",
        2,
    ),
    (
        "suspicious-login",
        "An attempted login using a suspicious username was detected",
        2,
    ),
    ("system-call-detect", "A system call was detected", 2),
    ("tcp-connection", "A TCP connection was detected", 4),
    ("trojan-activity", "A Network Trojan was detected", 1),
    (
        "unusual-client-port-connection",
        "A client was using an unusual port",
        2,
    ),
    ("network-scan", "Detection of a Network Scan", 3),
    (
        "denial-of-service",
        "Detection of a Denial of Service Attack",
        2,
    ),
    (
        "non-standard-protocol",
        "Detection of a non-standard protocol or event",
        2,
    ),
    (
        "protocol-command-decode",
        "Generic Protocol Command Decode",
        3,
    ),
    (
        "web-application-activity",
        "access to a potentially vulnerable web application",
        2,
    ),
    ("web-application-attack", "Web Application Attack", 1),
    ("misc-activity", "Misc activity", 3),
    ("misc-attack", "Misc Attack", 2),
    ("icmp-event", "Generic ICMP event", 3),
    (
        "policy-violation",
        "Potential Corporate Privacy Violation",
        1,
    ),
    (
        "default-login-attempt",
        "Attempt to login by a default username and password",
        2,
    ),
    (
        "targeted-activity",
        "Targeted Malicious Activity was Detected",
        1,
    ),
    ("exploit-kit", "Exploit Kit Activity Detected", 1),
    (
        "external-ip-check",
        "Device Retrieving External IP Address Detected",
        2,
    ),
    ("domain-c2", "Domain Observed Used for C2 Detected", 1),
    ("pup-activity", "Possibly Unwanted Program Detected", 2),
    (
        "credential-theft",
        "Successful Credential Theft Detected",
        1,
    ),
    (
        "social-engineering",
        "Possible Social Engineering Attempted",
        2,
    ),
    ("coin-mining", "Crypto Currency Mining Activity Detected", 2),
    (
        "command-and-control",
        "Malware Command and Control Activity Detected",
        1,
    ),
];

/// Suricata's etc/reference.config (its active entries).
const BUILTIN_REFERENCES: &[(&str, &str)] = &[
    ("cve", "https://cve.mitre.org/cgi-bin/cvename.cgi?name="),
    ("nessus", "https://www.tenable.com/plugins/nessus/"),
    ("url", "https://"),
    ("mcafee", "https://vil.nai.com/vil/content/v_"),
    ("bid", "https://www.securityfocus.com/bid/"),
    ("bugtraq", "https://www.securityfocus.com/bid/"),
    ("md5", "https://www.threatexpert.com/report.aspx?md5="),
    ("secunia", "https://www.secunia.com/advisories/"),
    ("arachnids", "https://www.whitehats.com/info/IDS"),
];

/// The classtype table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classifications {
    map: HashMap<String, (String, u8)>,
}

impl Classifications {
    /// An empty table.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Suricata's standard table.
    pub fn builtin() -> Self {
        let mut c = Self::default();
        for (name, desc, prio) in BUILTIN_CLASSIFICATIONS {
            c.map
                .insert((*name).to_string(), ((*desc).to_string(), *prio));
        }
        c
    }

    /// Adds or replaces entries from a classification.config text:
    /// `config classification: name,description,priority` lines; `#`
    /// comments and blank lines skipped. A malformed line is an error
    /// naming its line number; entries before it are kept.
    pub fn parse_into(&mut self, text: &str) -> Result<(), String> {
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = config_line(line, "classification") else {
                continue;
            };
            let bad = |why: &str| format!("line {}: {why}: '{}'", i + 1, line.trim());
            let rest = rest.map_err(|()| bad("expected 'config classification: ...'"))?;
            // The description may itself contain commas: the name is
            // before the first one and the priority after the last.
            let (name, rest) = rest.split_once(',').ok_or_else(|| bad("missing fields"))?;
            let (desc, prio) = rest
                .rsplit_once(',')
                .ok_or_else(|| bad("missing priority"))?;
            let name = name.trim();
            if !valid_name(name) {
                return Err(bad("invalid classification name"));
            }
            let desc = desc.trim();
            if desc.is_empty() {
                return Err(bad("empty description"));
            }
            let prio: u8 = prio
                .trim()
                .parse()
                .map_err(|_| bad("priority is not a number from 0 to 255"))?;
            self.map
                .insert(name.to_ascii_lowercase(), (desc.to_string(), prio));
        }
        Ok(())
    }

    /// Description and priority of a classtype.
    pub fn get(&self, name: &str) -> Option<(&str, u8)> {
        self.map
            .get(&name.trim().to_ascii_lowercase())
            .map(|(d, p)| (d.as_str(), *p))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The reference-system table (`reference:cve,2024-1234` → URL prefix).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct References {
    map: HashMap<String, String>,
}

impl References {
    /// An empty table.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Suricata's standard table.
    pub fn builtin() -> Self {
        let mut r = Self::default();
        for (name, url) in BUILTIN_REFERENCES {
            r.map.insert((*name).to_string(), (*url).to_string());
        }
        r
    }

    /// Adds or replaces entries from a reference.config text:
    /// `config reference: name url-prefix` lines.
    pub fn parse_into(&mut self, text: &str) -> Result<(), String> {
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = config_line(line, "reference") else {
                continue;
            };
            let bad = |why: &str| format!("line {}: {why}: '{}'", i + 1, line.trim());
            let rest = rest.map_err(|()| bad("expected 'config reference: ...'"))?;
            let rest = rest.trim();
            let (name, url) = rest
                .split_once(|c: char| c.is_ascii_whitespace())
                .ok_or_else(|| bad("expected a name and a URL prefix"))?;
            if !valid_name(name) {
                return Err(bad("invalid reference system name"));
            }
            let url = url.trim();
            if url.is_empty() {
                return Err(bad("empty URL prefix"));
            }
            self.map.insert(name.to_ascii_lowercase(), url.to_string());
        }
        Ok(())
    }

    /// The URL prefix of a reference system.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(&name.trim().to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// `None` for blank and comment lines; `Some(Err)` for a line that is not
/// `config <kind>:`; else the text after the colon.
fn config_line<'a>(line: &'a str, kind: &str) -> Option<Result<&'a str, ()>> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let rest = t.strip_prefix("config").map(str::trim_start);
    let rest = rest.and_then(|r| r.strip_prefix(kind)).map(str::trim_start);
    Some(rest.and_then(|r| r.strip_prefix(':')).ok_or(()))
}

fn valid_name(name: &str) -> bool {
    let mut b = name.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_classifications() {
        let c = Classifications::builtin();
        assert_eq!(c.len(), 42);
        assert_eq!(
            c.get("trojan-activity"),
            Some(("A Network Trojan was detected", 1))
        );
        assert_eq!(c.get("Bad-Unknown"), Some(("Potentially Bad Traffic", 2)));
        assert_eq!(c.get("tcp-connection").map(|x| x.1), Some(4));
        assert_eq!(c.get("nope"), None);
    }

    #[test]
    fn builtin_matches_et_open_file() {
        let p = std::path::Path::new("/work/shared/corpus/rules/et-open/classification.config");
        let Ok(text) = std::fs::read_to_string(p) else {
            eprintln!("skipping: {} not present", p.display());
            return;
        };
        let mut from_file = Classifications::empty();
        from_file.parse_into(&text).unwrap();
        assert_eq!(from_file, Classifications::builtin());
    }

    #[test]
    fn user_file_adds_and_overrides() {
        let mut c = Classifications::builtin();
        c.parse_into(
            "# comment\n\nconfig classification: ics-attack,ICS attack, with a comma,1\n  config classification:unknown , Unknown , 4 \n",
        )
        .unwrap();
        assert_eq!(c.get("ics-attack"), Some(("ICS attack, with a comma", 1)));
        assert_eq!(c.get("unknown"), Some(("Unknown", 4)));
        for bad in [
            "config classification: x,y",
            "config classification: x,y,256",
            "config classification: x,y,-1",
            "config classification: 1x,y,1",
            "config classification: x,,1",
            "config classificatio: x,y,1",
            "classification: x,y,1",
        ] {
            assert!(Classifications::builtin().parse_into(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references() {
        let mut r = References::builtin();
        assert_eq!(
            r.get("cve"),
            Some("https://cve.mitre.org/cgi-bin/cvename.cgi?name=")
        );
        assert_eq!(
            r.get("arachNIDS"),
            Some("https://www.whitehats.com/info/IDS")
        );
        assert_eq!(r.get("McAfee"), Some("https://vil.nai.com/vil/content/v_"));
        assert_eq!(r.get("et"), None);
        r.parse_into("config reference: et  https://doc.emergingthreats.net/\n# x\nconfig reference: url\thttp://\n")
            .unwrap();
        assert_eq!(r.get("et"), Some("https://doc.emergingthreats.net/"));
        assert_eq!(r.get("url"), Some("http://"));
        assert!(
            References::builtin()
                .parse_into("config reference: x")
                .is_err()
        );
        assert!(
            References::builtin()
                .parse_into("config reference x y")
                .is_err()
        );
    }
}
