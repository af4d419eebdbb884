import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as its bytes (4 for IPv4, 16 for IPv6); an IPv4 address written as IPv6
/// (`::ffff:192.0.2.1`) is read as the IPv4 address it is.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.count <= 45 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = all.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] ? Array(all.suffix(4)) : all
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return "" }
        return String(cString: text)
    }

    /// What sign-in failures are counted against: the address itself, or for IPv6 its /64 (what one
    /// home or office is usually given, so changing the last half of the address is no way round).
    public var throttleKey: String {
        bytes.count == 4 ? description : (IPNetwork(address: self, prefix: 64).description)
    }
}

/// A network named in `TRUSTED_PROXIES`: `10.0.0.0/8`, `2001:db8::/32`, or one address.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    init(address: IPAddress, prefix: Int) {
        // Only the network's own bits are kept, so equal networks compare equal.
        var bytes = address.bytes
        for i in bytes.indices {
            let keep = max(0, min(8, prefix - i * 8))
            bytes[i] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        self.address = IPAddress(bytes: bytes)
        self.prefix = prefix
    }

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            self.init(address: address, prefix: prefix)
        } else {
            self.init(address: address, prefix: bits)
        }
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.bytes.count == address.bytes.count && IPNetwork(address: other, prefix: prefix).address == address
    }

    public var description: String { "\(address)/\(prefix)" }
}

extension IPAddress {
    fileprivate init(bytes: [UInt8]) { self.bytes = bytes }
}

/// The address a request came from.
public enum ClientAddress {
    /// The peer's address — unless the peer is one of the `trusted` proxies, when it is the nearest
    /// address in `X-Forwarded-For` (read from the right, the proxies' own end) that is not itself a
    /// trusted proxy. Without trusted proxies the header is ignored: anyone can write it. A
    /// malformed entry ends the walk at the proxy that passed it on. Nil when there is no peer address
    /// (a request that did not come over the network).
    public static func resolve(peer: String?, forwardedFor: [String], trusting trusted: [IPNetwork]) -> IPAddress? {
        guard let peer = peer.flatMap(IPAddress.init) else { return nil }
        var client = peer
        guard !trusted.isEmpty else { return client }
        let hops = forwardedFor.flatMap { $0.split(separator: ",").map(String.init) }
        for hop in hops.reversed() {
            guard trusted.contains(where: { $0.contains(client) }) else { break }
            guard let address = IPAddress(hop) else { break }
            client = address
        }
        return client
    }
}
