import Foundation

/// A private folder (0700) in the system's temporary folder for files on their way in or out:
/// evidence being received, an evidence pack being built. Its files are created owner-only (0600).
/// It is removed when done, and at the latest when the last reference to it goes, so a request
/// that ends early (a client that leaves, a refused upload) leaves nothing behind.
public final class TemporaryFolder: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("learning-register-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    /// A new file only its owner can read, open for writing.
    public static func privateFile(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        return try FileHandle(forWritingTo: url)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }

    deinit { remove() }
}
