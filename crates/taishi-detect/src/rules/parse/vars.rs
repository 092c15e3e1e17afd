//! Address and port variables (`$HOME_NET`, `$HTTP_PORTS`, ...).
//!
//! Values are kept as text and expanded when a rule header is parsed, as
//! Suricata does: a variable may name another one defined later, and a
//! loop (`A: "$B"`, `B: "$A"`) is an error at the rule that meets it, not a
//! hang. Address and port groups are separate namespaces, as in
//! suricata.yaml's `vars.address-groups` and `vars.port-groups`.

use std::collections::HashMap;

/// suricata.yaml's `vars.address-groups` (Suricata 7/8 defaults).
const DEFAULT_ADDRESS_GROUPS: &[(&str, &str)] = &[
    ("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"),
    ("EXTERNAL_NET", "!$HOME_NET"),
    ("HTTP_SERVERS", "$HOME_NET"),
    ("SMTP_SERVERS", "$HOME_NET"),
    ("SQL_SERVERS", "$HOME_NET"),
    ("DNS_SERVERS", "$HOME_NET"),
    ("TELNET_SERVERS", "$HOME_NET"),
    // Suricata's default really is EXTERNAL_NET here, unlike its siblings.
    ("AIM_SERVERS", "$EXTERNAL_NET"),
    ("DC_SERVERS", "$HOME_NET"),
    ("DNP3_SERVER", "$HOME_NET"),
    ("DNP3_CLIENT", "$HOME_NET"),
    ("MODBUS_CLIENT", "$HOME_NET"),
    ("MODBUS_SERVER", "$HOME_NET"),
    ("ENIP_CLIENT", "$HOME_NET"),
    ("ENIP_SERVER", "$HOME_NET"),
];

/// suricata.yaml's `vars.port-groups` (Suricata 7 defaults; SIP_PORTS is
/// Suricata 8's addition).
const DEFAULT_PORT_GROUPS: &[(&str, &str)] = &[
    ("HTTP_PORTS", "80"),
    ("SHELLCODE_PORTS", "!80"),
    ("ORACLE_PORTS", "1521"),
    ("SSH_PORTS", "22"),
    ("DNP3_PORTS", "20000"),
    ("MODBUS_PORTS", "502"),
    ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
    ("FTP_PORTS", "21"),
    ("GENEVE_PORTS", "6081"),
    ("VXLAN_PORTS", "4789"),
    ("TEREDO_PORTS", "3544"),
    ("SIP_PORTS", "[5060,5061]"),
];

/// Which namespace a variable lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// `vars.address-groups`
    Address,
    /// `vars.port-groups`
    Port,
}

/// Address and port variables, unexpanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    address: HashMap<String, String>,
    port: HashMap<String, String>,
}

impl Default for Vars {
    fn default() -> Self {
        Self::suricata_defaults()
    }
}

impl Vars {
    /// No variables at all: every `$NAME` in a rule is an error.
    pub fn empty() -> Self {
        Vars {
            address: HashMap::new(),
            port: HashMap::new(),
        }
    }

    /// The variables of Suricata's shipped suricata.yaml.
    pub fn suricata_defaults() -> Self {
        let mut v = Self::empty();
        for (k, val) in DEFAULT_ADDRESS_GROUPS {
            v.address.insert((*k).to_string(), (*val).to_string());
        }
        for (k, val) in DEFAULT_PORT_GROUPS {
            v.port.insert((*k).to_string(), (*val).to_string());
        }
        v
    }

    /// Sets a variable; `name` with or without `$`. An existing name keeps
    /// its group; a new one is a port group when its name ends in `_PORTS`
    /// or its value reads as ports (digits, `:`, `!`, lists), else an
    /// address group.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let name = clean_name(name)?;
        let is_port = if self.address.contains_key(name) {
            false
        } else {
            self.port.contains_key(name)
                || name.ends_with("_PORTS")
                || name.ends_with("_PORT")
                || looks_like_ports(value)
        };
        let kind = if is_port {
            VarKind::Port
        } else {
            VarKind::Address
        };
        self.set_kind(kind, name, value)
    }

    /// Sets a variable in an explicit group.
    pub fn set_kind(&mut self, kind: VarKind, name: &str, value: &str) -> Result<(), String> {
        let name = clean_name(name)?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("variable ${name} has an empty value"));
        }
        let map = match kind {
            VarKind::Address => &mut self.address,
            VarKind::Port => &mut self.port,
        };
        map.insert(name.to_string(), value.to_string());
        Ok(())
    }

    /// The raw value of an address group.
    pub fn address(&self, name: &str) -> Option<&str> {
        self.address
            .get(name.trim_start_matches('$'))
            .map(String::as_str)
    }

    /// The raw value of a port group.
    pub fn port(&self, name: &str) -> Option<&str> {
        self.port
            .get(name.trim_start_matches('$'))
            .map(String::as_str)
    }

    /// Applies a suricata.yaml-shaped document: `vars.address-groups` and
    /// `vars.port-groups`. Numbers are taken as text (`SSH_PORTS: 22`); an
    /// unquoted YAML list (`HOME_NET: [10.0.0.0/8]`, which Suricata rejects
    /// with "please quote it") is joined back into `[a,b]`, its meaning.
    pub fn apply_yaml(&mut self, doc: &serde_yaml::Value) -> Result<(), String> {
        let Some(vars) = doc.get("vars") else {
            return Ok(());
        };
        for (key, kind) in [
            ("address-groups", VarKind::Address),
            ("port-groups", VarKind::Port),
        ] {
            let Some(group) = vars.get(key) else { continue };
            let serde_yaml::Value::Mapping(map) = group else {
                if group.is_null() {
                    continue;
                }
                return Err(format!("vars.{key} is not a mapping"));
            };
            for (name, value) in map {
                let name = yaml_scalar(name)
                    .ok_or_else(|| format!("vars.{key}: a variable name is not a string"))?;
                let value = yaml_scalar(value).ok_or_else(|| {
                    format!("vars.{key}.{name}: value is not a string, number or list")
                })?;
                self.set_kind(kind, &name, &value)
                    .map_err(|e| format!("vars.{key}.{name}: {e}"))?;
            }
        }
        Ok(())
    }

    /// Parses every variable (as Suricata does at start-up) and returns the
    /// first that does not resolve: a syntax error, an unknown variable or a
    /// loop.
    pub fn validate(&self) -> Result<(), String> {
        let mut names: Vec<&String> = self.address.keys().collect();
        names.sort();
        for name in names {
            super::address::AddrSet::parse(&format!("${name}"), self)
                .map_err(|e| format!("address variable ${name}: {e}"))?;
        }
        let mut names: Vec<&String> = self.port.keys().collect();
        names.sort();
        for name in names {
            super::port::PortSet::parse(&format!("${name}"), self)
                .map_err(|e| format!("port variable ${name}: {e}"))?;
        }
        Ok(())
    }

    /// Looks a variable up for expansion, with loop detection: `stack`
    /// holds the names being expanded above this one.
    pub(crate) fn resolve<'a>(
        &'a self,
        kind: VarKind,
        name: &str,
        stack: &[String],
    ) -> Result<&'a str, String> {
        if stack.iter().any(|s| s == name) {
            return Err(format!(
                "variable ${name} refers to itself ({} -> ${name})",
                stack
                    .iter()
                    .map(|s| format!("${s}"))
                    .collect::<Vec<_>>()
                    .join(" -> ")
            ));
        }
        let (map, other, what) = match kind {
            VarKind::Address => (&self.address, &self.port, "address"),
            VarKind::Port => (&self.port, &self.address, "port"),
        };
        match map.get(name) {
            Some(v) => Ok(v.as_str()),
            None if other.contains_key(name) => Err(format!(
                "variable ${name} is not an {what} group (it is defined in the other group)"
            )),
            None => Err(format!("unknown {what} variable ${name}")),
        }
    }
}

fn clean_name(name: &str) -> Result<&str, String> {
    let n = name.trim();
    let n = n.strip_prefix('$').unwrap_or(n);
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("invalid variable name '{name}'"));
    }
    Ok(n)
}

fn looks_like_ports(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty()
        && !v.eq_ignore_ascii_case("any")
        && !v.contains('$')
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'!' | b'[' | b']' | b',' | b' '))
}

fn yaml_scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Sequence(items) => {
            let parts: Option<Vec<String>> = items.iter().map(yaml_scalar).collect();
            Some(format!("[{}]", parts?.join(",")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_suricata_yaml() {
        let v = Vars::suricata_defaults();
        assert_eq!(
            v.address("HOME_NET"),
            Some("[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]")
        );
        assert_eq!(v.address("$EXTERNAL_NET"), Some("!$HOME_NET"));
        assert_eq!(v.address("AIM_SERVERS"), Some("$EXTERNAL_NET"));
        assert_eq!(v.port("SHELLCODE_PORTS"), Some("!80"));
        assert_eq!(v.port("FILE_DATA_PORTS"), Some("[$HTTP_PORTS,110,143]"));
        assert_eq!(v.port("HOME_NET"), None);
        v.validate().expect("defaults resolve");
    }

    #[test]
    fn set_picks_the_group() {
        let mut v = Vars::suricata_defaults();
        v.set("$HOME_NET", "10.1.0.0/16").unwrap();
        assert_eq!(v.address("HOME_NET"), Some("10.1.0.0/16"));
        v.set("HTTP_PORTS", "[80,8080]").unwrap();
        assert_eq!(v.port("HTTP_PORTS"), Some("[80,8080]"));
        v.set("MY_PORTS", "any").unwrap();
        assert_eq!(v.port("MY_PORTS"), Some("any"));
        v.set("WEB", "[8000:8080,9000]").unwrap();
        assert_eq!(v.port("WEB"), Some("[8000:8080,9000]"));
        v.set("SERVERS", "[10.0.0.1,10.0.0.2]").unwrap();
        assert_eq!(v.address("SERVERS"), Some("[10.0.0.1,10.0.0.2]"));
        assert!(v.set("BAD NAME", "1").is_err());
        assert!(v.set("X", "  ").is_err());
    }

    #[test]
    fn yaml_groups_numbers_and_unquoted_lists() {
        let doc: serde_yaml::Value = serde_yaml::from_str(
            "vars:\n  address-groups:\n    HOME_NET: [10.0.0.0/8, 192.168.1.0/24]\n    DNS_SERVERS: \"10.0.0.53\"\n  port-groups:\n    SSH_PORTS: 2222\n    HTTP_PORTS: \"80,8080\"\n",
        )
        .unwrap();
        let mut v = Vars::suricata_defaults();
        v.apply_yaml(&doc).unwrap();
        assert_eq!(v.address("HOME_NET"), Some("[10.0.0.0/8,192.168.1.0/24]"));
        assert_eq!(v.address("DNS_SERVERS"), Some("10.0.0.53"));
        assert_eq!(v.port("SSH_PORTS"), Some("2222"));
        assert_eq!(v.port("HTTP_PORTS"), Some("80,8080"));
        v.validate().unwrap();
    }

    #[test]
    fn loops_are_reported() {
        let mut v = Vars::empty();
        v.set_kind(VarKind::Address, "A", "[$B,1.2.3.4]").unwrap();
        v.set_kind(VarKind::Address, "B", "$A").unwrap();
        let e = v.validate().unwrap_err();
        assert!(e.contains("refers to itself"), "{e}");
    }
}
