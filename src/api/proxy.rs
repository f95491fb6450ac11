//! Who is at the other end of a request, and over which scheme, when
//! reverse proxies stand in between.
//!
//! The TCP peer is the client, unless it is one of the trusted proxies
//! (`--trusted-proxies`, empty by default). Only then are `Forwarded`
//! (RFC 7239) or, without it, `X-Forwarded-For` and `X-Forwarded-Proto`
//! believed, and only as far as trusted hands wrote them: the hops are read
//! from the right (the nearest proxy) and the first address that is not a
//! trusted proxy is the client. Addresses further left were written by the
//! client itself and are ignored. The scheme is the one the hop naming the
//! client reports.

use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, HttpRequest};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address or a network (CIDR) of proxies whose forwarding headers are
/// believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The proxies whose `Forwarded`/`X-Forwarded-*` headers are believed:
/// addresses and CIDR networks, separated by commas or spaces
/// (`10.0.0.0/8, 127.0.0.1, ::1`). Empty (the default): none is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (address, prefix) = match item.split_once('/') {
                    Some((address, prefix)) => (address, Some(prefix)),
                    None => (item, None),
                };
                let address = canonical(address.parse::<IpAddr>().map_err(|_| {
                    format!("{item:?} is not an IP address or a network like 10.0.0.0/8")
                })?);
                let bits = if address.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    None => bits,
                    Some(prefix) => prefix
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= bits)
                        .ok_or_else(|| format!("{item:?}: the prefix must be 0 to {bits}"))?,
                };
                Ok(Network { address, prefix })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Where a request comes from, as far as it can be believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The client's IP address, or `unknown`.
    pub address: String,
    /// Whether the client spoke HTTPS (to us, or to the trusted proxy it reached).
    pub https: bool,
}

/// One hop a proxy reported: whom it received the request from, over what.
#[derive(Debug, Default)]
struct Hop {
    /// `None` when the proxy wrote no usable address (`unknown`, `_hidden`).
    from: Option<IpAddr>,
    proto: Option<String>,
}

/// The origin of a request, given its TCP peer, its headers, the trusted
/// proxies, and whether the connection itself is TLS.
fn origin_of(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
    tls: bool,
) -> Origin {
    let Some(peer) = peer.map(|p| canonical(p.ip())) else {
        return Origin {
            address: "unknown".into(),
            https: tls,
        };
    };
    let mut origin = Origin {
        address: peer.to_string(),
        https: tls,
    };
    if !trusted.trusts(peer) {
        return origin;
    }
    // Each hop was written by the proxy to its right (the last by the
    // peer); it is read only while that proxy is trusted.
    for hop in hops(headers).iter().rev() {
        if let Some(proto) = &hop.proto {
            origin.https = proto.eq_ignore_ascii_case("https");
        }
        let Some(from) = hop.from else { break };
        origin.address = from.to_string();
        if !trusted.trusts(from) {
            break;
        }
    }
    origin
}

/// The hops the proxies reported, nearest last: from `Forwarded` when the
/// request has one, else from `X-Forwarded-For` and `X-Forwarded-Proto`.
fn hops(headers: &HeaderMap) -> Vec<Hop> {
    let joined = |name: &header::HeaderName| -> Option<String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(forwarded) = joined(&header::FORWARDED) {
        return forwarded
            .split(',')
            .map(|element| {
                let mut hop = Hop::default();
                for pair in element.split(';') {
                    let Some((key, value)) = pair.split_once('=') else {
                        continue;
                    };
                    let value = value.trim().trim_matches('"');
                    match key.trim().to_ascii_lowercase().as_str() {
                        "for" => hop.from = parse_node(value),
                        "proto" => hop.proto = Some(value.to_string()),
                        _ => {}
                    }
                }
                hop
            })
            .collect();
    }
    let Some(chain) = joined(&header::X_FORWARDED_FOR) else {
        return Vec::new();
    };
    let mut hops: Vec<Hop> = chain
        .split(',')
        .map(|node| Hop {
            from: parse_node(node.trim()),
            proto: None,
        })
        .collect();
    let x_forwarded_proto = header::HeaderName::from_static("x-forwarded-proto");
    if let Some(protos) = joined(&x_forwarded_proto) {
        let protos: Vec<&str> = protos.split(',').map(str::trim).collect();
        if protos.len() == hops.len() {
            for (hop, proto) in hops.iter_mut().zip(&protos) {
                hop.proto = Some(proto.to_string());
            }
        } else if let (Some(hop), Some(proto)) = (hops.last_mut(), protos.last()) {
            // One value set by the nearest proxy speaks for the whole chain.
            hop.proto = Some(proto.to_string());
        }
    }
    hops
}

/// A node of `Forwarded: for=` or `X-Forwarded-For`: `192.0.2.1`,
/// `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`; `None` for
/// `unknown`, obfuscated names and anything else.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    node.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The origin of a request under the app's trusted proxies.
pub fn origin(req: &HttpRequest) -> Origin {
    let trusted = req.app_data::<web::Data<TrustedProxies>>();
    let none = TrustedProxies::default();
    let trusted = trusted.map_or(&none, |t| t.get_ref());
    origin_of(
        req.peer_addr(),
        req.headers(),
        trusted,
        req.app_config().secure(),
    )
}

/// The client's address, for login throttling, the audit log and the logs.
pub fn client_address(req: &HttpRequest) -> String {
    origin(req).address
}

/// Whether the client reached us over HTTPS (directly, or through a trusted
/// proxy that says so).
pub fn is_https(req: &HttpRequest) -> bool {
    origin(req).https
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn origin(peer: &str, pairs: &[(&str, &str)], trusted: &str) -> Origin {
        origin_of(
            Some(peer.parse().unwrap()),
            &headers(pairs),
            &trusted.parse().unwrap(),
            false,
        )
    }

    #[test]
    fn networks_parse_and_contain() {
        let trusted: TrustedProxies = "10.0.0.0/8, 127.0.0.1 fd00::/8".parse().unwrap();
        assert!(trusted.trusts("10.200.3.4".parse().unwrap()));
        assert!(trusted.trusts("127.0.0.1".parse().unwrap()));
        assert!(trusted.trusts("::ffff:10.1.1.1".parse().unwrap()));
        assert!(trusted.trusts("fd12::1".parse().unwrap()));
        assert!(!trusted.trusts("127.0.0.2".parse().unwrap()));
        assert!(!trusted.trusts("11.0.0.1".parse().unwrap()));
        assert!(!trusted.trusts("fe80::1".parse().unwrap()));
        assert_eq!(trusted.to_string(), "10.0.0.0/8, 127.0.0.1/32, fd00::/8");
        let everything: TrustedProxies = "0.0.0.0/0".parse().unwrap();
        assert!(everything.trusts("203.0.113.9".parse().unwrap()));
        assert!(TrustedProxies::from_str("").unwrap().is_empty());
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let said = [
            ("Forwarded", "for=198.51.100.7;proto=https"),
            ("X-Forwarded-For", "198.51.100.7"),
            ("X-Forwarded-Proto", "https"),
        ];
        let o = origin("203.0.113.5:4000", &said, "");
        assert_eq!(o.address, "203.0.113.5");
        assert!(!o.https);
        let o = origin("203.0.113.5:4000", &said, "10.0.0.0/8");
        assert_eq!(o.address, "203.0.113.5");
        assert!(!o.https);
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = "10.0.0.0/8";
        // The client forged the first entry; the proxy appended what it saw.
        let o = origin(
            "10.0.0.2:5000",
            &[("X-Forwarded-For", "1.2.3.4, 198.51.100.7")],
            trusted,
        );
        assert_eq!(o.address, "198.51.100.7");
        // Two trusted proxies in a row.
        let o = origin(
            "10.0.0.2:5000",
            &[("X-Forwarded-For", "1.2.3.4, 198.51.100.7, 10.0.0.9")],
            trusted,
        );
        assert_eq!(o.address, "198.51.100.7");
        // Every hop trusted: the leftmost is the client.
        let o = origin("10.0.0.2:5000", &[("X-Forwarded-For", "10.9.9.9")], trusted);
        assert_eq!(o.address, "10.9.9.9");
        // No header: the proxy itself.
        let o = origin("10.0.0.2:5000", &[], trusted);
        assert_eq!(o.address, "10.0.0.2");
    }

    #[test]
    fn forwarded_wins_and_its_nodes_parse() {
        let trusted = "127.0.0.1, 10.0.0.0/8";
        let o = origin(
            "127.0.0.1:5000",
            &[
                (
                    "Forwarded",
                    r#"for="[2001:db8::7]:4711";proto=https, for=10.0.0.3"#,
                ),
                ("X-Forwarded-For", "192.0.2.99"),
            ],
            trusted,
        );
        assert_eq!(o.address, "2001:db8::7");
        assert!(o.https);
        let o = origin(
            "127.0.0.1:5000",
            &[(
                "Forwarded",
                "For=\"192.0.2.60:8080\";Proto=http;by=10.0.0.1",
            )],
            trusted,
        );
        assert_eq!(o.address, "192.0.2.60");
        assert!(!o.https);
        // An obfuscated client: the trusted proxy that wrote it stands in.
        let o = origin(
            "127.0.0.1:5000",
            &[("Forwarded", "for=_hidden;proto=https")],
            trusted,
        );
        assert_eq!(o.address, "127.0.0.1");
        assert!(o.https);
        // Two Forwarded headers are one list.
        let o = origin(
            "127.0.0.1:5000",
            &[
                ("Forwarded", "for=1.2.3.4"),
                ("Forwarded", "for=198.51.100.8"),
            ],
            trusted,
        );
        assert_eq!(o.address, "198.51.100.8");
    }

    #[test]
    fn the_scheme_comes_from_the_hop_that_names_the_client() {
        let trusted = "10.0.0.0/8";
        let o = origin(
            "10.0.0.2:5000",
            &[
                ("X-Forwarded-For", "198.51.100.7"),
                ("X-Forwarded-Proto", "https"),
            ],
            trusted,
        );
        assert!(o.https);
        let o = origin(
            "10.0.0.2:5000",
            &[
                ("X-Forwarded-For", "198.51.100.7, 10.0.0.5"),
                ("X-Forwarded-Proto", "https, http"),
            ],
            trusted,
        );
        assert!(o.https, "the edge proxy saw https");
        let o = origin(
            "10.0.0.2:5000",
            &[(
                "Forwarded",
                "for=198.51.100.7;proto=http, for=10.0.0.5;proto=https",
            )],
            trusted,
        );
        assert!(!o.https);
    }
}
