//! SSRF rules for outbound requests: which resolved addresses may be
//! connected to (`vet`) and, re-exported from `url_check`, which URLs may be
//! saved (`check_url`). DNS
//! resolution and connection pinning live in the HTTP client; this is the
//! pure rule.
//!
//! IPv6 forms that embed an IPv4 address:
//! - IPv4-mapped `::ffff:a.b.c.d` is the IPv4 address itself on a dual-stack
//!   socket, so it is vetted exactly like `a.b.c.d`, allow list included
//!   (`::ffff:127.0.0.1` passes iff `127.0.0.1` is allowed; `::ffff:8.8.8.8`
//!   passes).
//! - IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96` and 6to4 `2002::/16`
//!   pass only when the embedded IPv4 is public. Allowing the IPv4 address
//!   does not allow these forms (the translation happens on another host);
//!   only an allow-list entry covering the IPv6 address itself does.
//! - Local-use NAT64 `64:ff9b:1::/48` (embedding layout unknown) and Teredo
//!   `2001::/32` are always refused unless the IPv6 address is allowed.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

pub use crate::net::cidr::{AllowList, Cidr, CidrError};
pub use crate::net::url_check::{check_url, UrlError, MAX_URL_LEN};

/// The special-purpose range an address was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range {
    Unspecified,
    ThisNetwork,
    Loopback,
    Private,
    LinkLocal,
    Metadata,
    Cgnat,
    IetfProtocol,
    Documentation,
    Benchmarking,
    Multicast,
    Broadcast,
    Reserved,
    UniqueLocal,
    SiteLocal,
    Teredo,
    Nat64Local,
}

impl Range {
    pub fn as_str(self) -> &'static str {
        match self {
            Range::Unspecified => "unspecified",
            Range::ThisNetwork => "this-network",
            Range::Loopback => "loopback",
            Range::Private => "private",
            Range::LinkLocal => "link-local",
            Range::Metadata => "metadata",
            Range::Cgnat => "cgnat",
            Range::IetfProtocol => "ietf-protocol",
            Range::Documentation => "documentation",
            Range::Benchmarking => "benchmarking",
            Range::Multicast => "multicast",
            Range::Broadcast => "broadcast",
            Range::Reserved => "reserved",
            Range::UniqueLocal => "unique-local",
            Range::SiteLocal => "site-local",
            Range::Teredo => "teredo",
            Range::Nat64Local => "nat64-local",
        }
    }
}

/// An IPv6 form that carries an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Embedding {
    Mapped,
    Compatible,
    Nat64,
    SixToFour,
}

impl Embedding {
    pub fn as_str(self) -> &'static str {
        match self {
            Embedding::Mapped => "ipv4-mapped",
            Embedding::Compatible => "ipv4-compatible",
            Embedding::Nat64 => "nat64",
            Embedding::SixToFour => "6to4",
        }
    }
}

/// Why `vet` refused an address. Displays as e.g. `loopback` or
/// `loopback (ipv4-mapped)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub struct BlockReason {
    pub range: Range,
    /// Set when the refused IPv4 address was embedded in an IPv6 address.
    pub via: Option<Embedding>,
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.range.as_str())?;
        match self.via {
            Some(e) => write!(f, " ({})", e.as_str()),
            None => Ok(()),
        }
    }
}

fn r(range: Range) -> BlockReason {
    BlockReason { range, via: None }
}

fn in4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    Ipv4Net::new(net.into(), prefix).is_ok_and(|net| net.contains(&ip))
}

fn in6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    Ipv6Net::new(net, prefix).is_ok_and(|net| net.contains(&ip))
}

/// The special range an IPv4 address belongs to, if any.
pub fn special_v4(ip: Ipv4Addr) -> Option<Range> {
    use Range::*;
    #[rustfmt::skip]
    let table: [([u8; 4], u8, Range); 20] = [
        ([0, 0, 0, 0], 32, Unspecified),
        ([0, 0, 0, 0], 8, ThisNetwork),
        ([127, 0, 0, 0], 8, Loopback),
        ([10, 0, 0, 0], 8, Private),
        ([172, 16, 0, 0], 12, Private),
        ([192, 168, 0, 0], 16, Private),
        ([169, 254, 169, 254], 32, Metadata),      // AWS/GCP/Azure/OpenStack IMDS
        ([169, 254, 0, 0], 16, LinkLocal),
        ([100, 100, 100, 200], 32, Metadata),      // Alibaba Cloud IMDS
        ([100, 64, 0, 0], 10, Cgnat),
        ([168, 63, 129, 16], 32, Metadata),        // Azure WireServer
        ([192, 0, 0, 0], 24, IetfProtocol),
        ([192, 0, 2, 0], 24, Documentation),
        ([198, 51, 100, 0], 24, Documentation),
        ([203, 0, 113, 0], 24, Documentation),
        ([198, 18, 0, 0], 15, Benchmarking),
        ([192, 88, 99, 0], 24, Reserved),          // deprecated 6to4 relay anycast
        ([224, 0, 0, 0], 4, Multicast),
        ([255, 255, 255, 255], 32, Broadcast),
        ([240, 0, 0, 0], 4, Reserved),
    ];
    table
        .iter()
        .find(|(net, prefix, _)| in4(ip, *net, *prefix))
        .map(|(_, _, range)| *range)
}

fn vet_embedded(v4: Ipv4Addr, via: Embedding) -> Result<(), BlockReason> {
    match special_v4(v4) {
        Some(range) => Err(BlockReason {
            range,
            via: Some(via),
        }),
        None => Ok(()),
    }
}

fn vet_v6(ip: Ipv6Addr, allow: &AllowList) -> Result<(), BlockReason> {
    use Range::*;
    let a = u128::from(ip);
    let low32 = Ipv4Addr::from(a as u32);
    let net = |s: &str| s.parse::<Ipv6Addr>().expect("static network");
    if ip.is_unspecified() {
        return Err(r(Unspecified));
    }
    if ip.is_loopback() {
        return Err(r(Loopback));
    }
    if in6(ip, net("::ffff:0:0"), 96) {
        if allow.contains(IpAddr::V4(low32)) {
            return Ok(());
        }
        return vet_embedded(low32, Embedding::Mapped);
    }
    if in6(ip, net("::"), 96) {
        return vet_embedded(low32, Embedding::Compatible);
    }
    if in6(ip, net("64:ff9b::"), 96) {
        return vet_embedded(low32, Embedding::Nat64);
    }
    if in6(ip, net("2002::"), 16) {
        return vet_embedded(Ipv4Addr::from((a >> 80) as u32), Embedding::SixToFour);
    }
    #[rustfmt::skip]
    let table: [(&str, u8, Range); 10] = [
        ("64:ff9b:1::", 48, Nat64Local),
        ("2001::", 32, Teredo),
        ("2001:2::", 48, Benchmarking),
        ("2001:db8::", 32, Documentation),
        ("3fff::", 20, Documentation),
        ("ff00::", 8, Multicast),
        ("fd00:ec2::254", 128, Metadata),   // AWS IMDS over IPv6
        ("fc00::", 7, UniqueLocal),
        ("fe80::", 10, LinkLocal),
        ("fec0::", 10, SiteLocal),
    ];
    for (n, prefix, range) in &table {
        if in6(ip, net(n), *prefix) {
            return Err(r(*range));
        }
    }
    // Everything outside global unicast 2000::/3 (e.g. discard-only 100::/64)
    // is unassigned or special-purpose.
    if !in6(ip, net("2000::"), 3) {
        return Err(r(Reserved));
    }
    Ok(())
}

/// Whether a resolved address may be connected to. Addresses covered by the
/// allow list always pass; otherwise every special-purpose range is refused
/// (see the module comment for IPv6 forms embedding IPv4).
pub fn vet(ip: IpAddr, allow: &AllowList) -> Result<(), BlockReason> {
    if allow.contains(ip) {
        return Ok(());
    }
    match ip {
        IpAddr::V4(v4) => special_v4(v4).map_or(Ok(()), |range| Err(r(range))),
        IpAddr::V6(v6) => vet_v6(v6, allow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (address, verdict with nothing allowed, verdict with 127.0.0.0/8 allowed)
    type Want = Result<(), &'static str>;
    type Case = (&'static str, Want, Want);

    #[test]
    fn addresses() {
        let none = AllowList::default();
        let lo: AllowList = "127.0.0.0/8".parse().unwrap();
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("8.8.8.8", Ok(()), Ok(())),
            ("1.1.1.1", Ok(()), Ok(())),
            ("172.15.255.255", Ok(()), Ok(())),
            ("172.32.0.0", Ok(()), Ok(())),
            ("100.63.255.255", Ok(()), Ok(())),
            ("100.128.0.0", Ok(()), Ok(())),
            ("223.255.255.255", Ok(()), Ok(())),
            ("127.0.0.1", Err("loopback"), Ok(())),
            ("127.255.255.254", Err("loopback"), Ok(())),
            ("10.0.0.1", Err("private"), Err("private")),
            ("172.16.0.1", Err("private"), Err("private")),
            ("172.31.255.255", Err("private"), Err("private")),
            ("192.168.1.1", Err("private"), Err("private")),
            ("169.254.169.254", Err("metadata"), Err("metadata")),
            ("169.254.0.1", Err("link-local"), Err("link-local")),
            ("100.64.0.1", Err("cgnat"), Err("cgnat")),
            ("100.100.100.200", Err("metadata"), Err("metadata")),
            ("168.63.129.16", Err("metadata"), Err("metadata")),
            ("224.0.0.1", Err("multicast"), Err("multicast")),
            ("239.255.255.250", Err("multicast"), Err("multicast")),
            ("255.255.255.255", Err("broadcast"), Err("broadcast")),
            ("0.0.0.0", Err("unspecified"), Err("unspecified")),
            ("0.1.2.3", Err("this-network"), Err("this-network")),
            ("192.0.2.1", Err("documentation"), Err("documentation")),
            ("198.51.100.1", Err("documentation"), Err("documentation")),
            ("203.0.113.1", Err("documentation"), Err("documentation")),
            ("198.18.0.1", Err("benchmarking"), Err("benchmarking")),
            ("198.19.255.255", Err("benchmarking"), Err("benchmarking")),
            ("240.0.0.1", Err("reserved"), Err("reserved")),
            ("192.0.0.8", Err("ietf-protocol"), Err("ietf-protocol")),
            ("192.88.99.1", Err("reserved"), Err("reserved")),
            // IPv6
            ("2606:4700:4700::1111", Ok(()), Ok(())),
            ("2001:4860:4860::8888", Ok(()), Ok(())),
            ("::1", Err("loopback"), Err("loopback")),
            ("::", Err("unspecified"), Err("unspecified")),
            ("ff02::1", Err("multicast"), Err("multicast")),
            ("fc00::1", Err("unique-local"), Err("unique-local")),
            ("fd12:3456::1", Err("unique-local"), Err("unique-local")),
            ("fd00:ec2::254", Err("metadata"), Err("metadata")),
            ("fe80::1", Err("link-local"), Err("link-local")),
            ("fec0::1", Err("site-local"), Err("site-local")),
            ("2001:db8::1", Err("documentation"), Err("documentation")),
            ("2001::1", Err("teredo"), Err("teredo")),
            ("2001:2::1", Err("benchmarking"), Err("benchmarking")),
            ("100::1", Err("reserved"), Err("reserved")),
            ("4000::1", Err("reserved"), Err("reserved")),
            ("64:ff9b:1::a00:1", Err("nat64-local"), Err("nat64-local")),
            // IPv4-mapped: vetted as the IPv4 address, allow list included
            ("::ffff:8.8.8.8", Ok(()), Ok(())),
            ("::ffff:127.0.0.1", Err("loopback (ipv4-mapped)"), Ok(())),
            ("::ffff:10.0.0.1", Err("private (ipv4-mapped)"), Err("private (ipv4-mapped)")),
            ("::ffff:169.254.169.254", Err("metadata (ipv4-mapped)"), Err("metadata (ipv4-mapped)")),
            // IPv4-compatible, NAT64, 6to4: embedded IPv4 must be public
            ("::8.8.8.8", Ok(()), Ok(())),
            ("::127.0.0.1", Err("loopback (ipv4-compatible)"), Err("loopback (ipv4-compatible)")),
            ("64:ff9b::8.8.8.8", Ok(()), Ok(())),
            ("64:ff9b::127.0.0.1", Err("loopback (nat64)"), Err("loopback (nat64)")),
            ("64:ff9b::a9fe:a9fe", Err("metadata (nat64)"), Err("metadata (nat64)")),
            ("2002:0808:0808::1", Ok(()), Ok(())),
            ("2002:7f00:0001::1", Err("loopback (6to4)"), Err("loopback (6to4)")),
            ("2002:c0a8:0101::", Err("private (6to4)"), Err("private (6to4)")),
        ];
        for (addr, plain, with_lo) in cases {
            let ip: IpAddr = addr.parse().unwrap();
            for (allow, want) in [(&none, plain), (&lo, with_lo)] {
                let got = vet(ip, allow).map_err(|e| e.to_string());
                assert_eq!(
                    got.as_ref().map_err(String::as_str),
                    want.as_ref().map_err(|e| *e),
                    "{addr} allow={allow:?}"
                );
            }
        }
    }

    #[test]
    fn allow_list_overrides() {
        let cases = [
            ("10.0.0.0/8", "10.1.1.1", true),
            ("10.0.0.0/8", "::ffff:10.1.1.1", true),
            ("10.0.0.0/8", "64:ff9b::a01:101", false),
            ("64:ff9b::/96", "64:ff9b::a01:101", true),
            ("fd00::/8", "fd00:ec2::254", true),
            ("169.254.169.254", "169.254.169.254", true),
            ("169.254.169.254", "169.254.169.253", false),
            ("2001::/32", "2001::1", true),
            ("::ffff:0:0/96", "::ffff:127.0.0.1", true),
        ];
        for (allowed, addr, want) in cases {
            let allow: AllowList = allowed.parse().unwrap();
            assert_eq!(
                vet(addr.parse().unwrap(), &allow).is_ok(),
                want,
                "{allowed} {addr}"
            );
        }
    }
}
