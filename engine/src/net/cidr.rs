//! IP networks (`Cidr`, over `ipnet`'s `IpNet`) and the operator's
//! `HERALD_ALLOWED_TARGETS` list (`AllowList`). Re-exported from `ssrf`, which uses them.
//!
//! `ipnet` does the network arithmetic (masks, containment, display). The text form is
//! Herald's own on top of it: a bare address is a single-host network (`10.1.2.3` =
//! `10.1.2.3/32`), host bits are cleared (`127.9.9.9/8` = `127.0.0.0/8`), and a prefix
//! longer than the address is its own error, none of which `IpNet::from_str` does.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("invalid CIDR {0:?}: expected an IP address or ADDRESS/PREFIX, e.g. 127.0.0.0/8")]
    Invalid(String),
    #[error("invalid CIDR {0:?}: prefix length is larger than the address")]
    PrefixTooLong(String),
}

/// An IPv4 or IPv6 network. Host bits are cleared on construction, so
/// `127.0.0.1/8` equals `127.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr(IpNet);

impl Cidr {
    /// `None` when `prefix` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Cidr> {
        IpNet::new(addr, prefix).ok().map(|net| Cidr(net.trunc()))
    }

    pub fn network(&self) -> IpAddr {
        self.0.network()
    }

    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }

    /// Same family and same leading `prefix` bits. An IPv4 network never
    /// contains an IPv6 address (IPv4-mapped forms are handled by `ssrf`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl From<Cidr> for IpNet {
    fn from(cidr: Cidr) -> IpNet {
        cidr.0
    }
}

impl From<IpNet> for Cidr {
    /// Clears the host bits, as every `Cidr` does.
    fn from(net: IpNet) -> Cidr {
        Cidr(net.trunc())
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;
    /// `ADDRESS/PREFIX`, or a bare address (= /32 or /128). Surrounding
    /// whitespace is ignored; the prefix is 1 to 3 decimal digits, no sign.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || CidrError::Invalid(s.to_string());
        let t = s.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                (a, Some(p.parse::<u8>().map_err(|_| invalid())?))
            }
            None => (t, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
        match prefix {
            Some(prefix) => {
                Cidr::new(addr, prefix).ok_or_else(|| CidrError::PrefixTooLong(s.into()))
            }
            None => Ok(Cidr(IpNet::from(addr))),
        }
    }
}

/// Networks that may be delivered to even though the guard would refuse them.
/// Parsed from a comma and/or whitespace separated list; empty allows nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList(pub Vec<Cidr>);

impl AllowList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }
}

impl FromStr for AllowList {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parse_and_display() {
        let cases = [
            ("127.0.0.0/8", Some("127.0.0.0/8")),
            ("127.9.9.9/8", Some("127.0.0.0/8")),
            (" 10.1.2.3 ", Some("10.1.2.3/32")),
            ("0.0.0.0/0", Some("0.0.0.0/0")),
            ("::1/128", Some("::1/128")),
            ("::1", Some("::1/128")),
            ("fd00::1/8", Some("fd00::/8")),
            ("2001:db8::/32", Some("2001:db8::/32")),
            ("::/0", Some("::/0")),
            ("10.0.0.0/33", None),
            ("::/129", None),
            ("10.0.0.0/", None),
            ("10.0.0.0/+8", None),
            ("10.0.0.0/-1", None),
            ("10.0.0.0/8/8", None),
            ("10.0.0/8", None),
            ("localhost", None),
            ("", None),
            ("[::1]/128", None),
        ];
        for (input, want) in cases {
            let got = input.parse::<Cidr>().ok().map(|c| c.to_string());
            assert_eq!(got.as_deref(), want, "{input:?}");
        }
        assert!(matches!(
            "1.2.3.4/40".parse::<Cidr>(),
            Err(CidrError::PrefixTooLong(_))
        ));
    }

    #[test]
    fn contains() {
        let cases = [
            ("127.0.0.0/8", "127.0.0.1", true),
            ("127.0.0.0/8", "127.255.255.255", true),
            ("127.0.0.0/8", "128.0.0.0", false),
            ("172.16.0.0/12", "172.31.255.255", true),
            ("172.16.0.0/12", "172.32.0.0", false),
            ("10.1.2.3", "10.1.2.3", true),
            ("10.1.2.3", "10.1.2.4", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("0.0.0.0/0", "::1", false),
            ("127.0.0.0/8", "::ffff:127.0.0.1", false),
            ("::1/128", "::1", true),
            ("::1/128", "127.0.0.1", false),
            ("fe80::/10", "febf::1", true),
            ("fe80::/10", "fec0::1", false),
            ("::/0", "2606:4700::1", true),
        ];
        for (net, addr, want) in cases {
            assert_eq!(
                net.parse::<Cidr>().unwrap().contains(ip(addr)),
                want,
                "{net} {addr}"
            );
        }
    }

    #[test]
    fn allow_list() {
        let l: AllowList = "127.0.0.0/8, 10.0.0.5 ,fd00::/8\n192.168.1.0/24"
            .parse()
            .unwrap();
        assert_eq!(l.0.len(), 4);
        let cases = [
            ("127.0.0.1", true),
            ("10.0.0.5", true),
            ("10.0.0.6", false),
            ("fd12::1", true),
            ("192.168.1.77", true),
            ("192.168.2.1", false),
            ("8.8.8.8", false),
        ];
        for (addr, want) in cases {
            assert_eq!(l.contains(ip(addr)), want, "{addr}");
        }
        let empty: AllowList = " , ".parse().unwrap();
        assert!(empty.is_empty() && !empty.contains(ip("127.0.0.1")));
        assert!(AllowList::default().is_empty());
        assert!("127.0.0.0/8,bogus".parse::<AllowList>().is_err());
    }

    #[test]
    fn errors_name_the_entry() {
        let cases = [
            (
                "127.0.0.0/8, bogus",
                "invalid CIDR \"bogus\": expected an IP address or ADDRESS/PREFIX, e.g. 127.0.0.0/8",
            ),
            (
                "10.0.0.0/8,1.2.3.4/40",
                "invalid CIDR \"1.2.3.4/40\": prefix length is larger than the address",
            ),
            (
                "::/129",
                "invalid CIDR \"::/129\": prefix length is larger than the address",
            ),
        ];
        for (list, want) in cases {
            let err = list.parse::<AllowList>().unwrap_err();
            assert_eq!(err.to_string(), want, "{list:?}");
        }
    }

    #[test]
    fn ipnet_round_trip() {
        let c: Cidr = "10.9.8.7/8".parse().unwrap();
        let net = IpNet::from(c);
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert_eq!(Cidr::from(net), c);
        let host: IpNet = "192.168.1.77/24".parse().unwrap();
        assert_eq!(Cidr::from(host).to_string(), "192.168.1.0/24");
        assert_eq!(c.network(), ip("10.0.0.0"));
        assert_eq!(c.prefix_len(), 8);
    }
}
