import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A private folder in the system's temporary folder (`TMPDIR`) for files on their way in or out:
/// evidence being received, an evidence pack being built. It is made with `mkdtemp` (mode 0700 from
/// the start) and its files with `O_EXCL | O_NOFOLLOW` (mode 0600), so nobody else can read them or
/// slip a link in their place. It is removed when done, and at the latest when the last reference to
/// it goes, so a request that ends early (a client that leaves, a refused upload) leaves nothing behind.
public final class TemporaryFolder: Sendable {
    public let url: URL
    /// What every such folder's name starts with (see `sweep`).
    static let prefix = "learning-register-"

    public init() throws {
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent(Self.prefix + "XXXXXXXX").path.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw Self.failure("make a private temporary folder in", FileManager.default.temporaryDirectory.path) }
        let path = template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self), isDirectory: true)
    }

    /// A new file only its owner can read, open for writing. Refused if anything is already there.
    public static func privateFile(_ url: URL) throws -> FileHandle {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create the private file", url.path) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }

    deinit { remove() }

    /// Removes the folders a process that was killed left behind (at start-up): those older than
    /// `age`, so that another running server's folders are never touched.
    @discardableResult
    public static func sweep(olderThan age: TimeInterval = 24 * 3600, now: Date = Date()) -> Int {
        let parent = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) && name.count == prefix.count + 8 {
            let folder = parent.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path),
                  attributes[.type] as? FileAttributeType == .typeDirectory,
                  attributes[.ownerAccountID] as? NSNumber == NSNumber(value: getuid()),
                  let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) > age
            else { continue }
            if (try? FileManager.default.removeItem(at: folder)) != nil { removed += 1 }
        }
        return removed
    }

    private static func failure(_ what: String, _ path: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "could not \(what) \(path): \(String(cString: strerror(errno)))"])
    }
}
