/// The kinds of file a partner may attach to evidence: documents and images, recognised by their
/// content. The name's extension must agree with what the bytes are, so a renamed program or web
/// page is refused however it is named.
public enum FileType: String, CaseIterable, Sendable {
    case pdf, png, jpeg, gif, webp
    case docx, xlsx, pptx, odt, ods, odp
    case doc, xls, ppt
    case txt, csv

    /// The media type stored and sent back on download (never the one the client claimed).
    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .ods: "application/vnd.oasis.opendocument.spreadsheet"
        case .odp: "application/vnd.oasis.opendocument.presentation"
        case .doc: "application/msword"
        case .xls: "application/vnd.ms-excel"
        case .ppt: "application/vnd.ms-powerpoint"
        case .txt: "text/plain; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }

    /// File name endings accepted for this type.
    public var extensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg"]
        default: [rawValue]
        }
    }

    /// How many leading bytes detection needs (fewer when the file is shorter).
    public static let prefixLength = 4096

    /// Works out what a file is from its name and first bytes, or explains why it is refused.
    public static func detect(name: String, prefix: [UInt8]) throws -> FileType {
        let ext = name.split(separator: ".", omittingEmptySubsequences: false).last.map { $0.lowercased() } ?? ""
        guard name.contains("."), let claimed = allCases.first(where: { $0.extensions.contains(ext) }) else {
            throw DomainError.unsupportedFile(
                "'\(name)' is not a kind of file the register accepts. Send documents or images: \(acceptedList)")
        }
        guard claimed.matches(prefix) else {
            throw DomainError.unsupportedFile(
                "'\(name)' is named as .\(ext) but its content is not a \(claimed.rawValue.uppercased()) file. Save it again in that format, or give it the right name.")
        }
        return claimed
    }

    /// "PDF, PNG, JPEG, …"
    public static var acceptedList: String { allCases.map { $0.rawValue.uppercased() }.joined(separator: ", ") }

    private func matches(_ bytes: [UInt8]) -> Bool {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        let compoundFile: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        switch self {
        case .pdf: return starts(Array("%PDF-".utf8))
        case .png: return starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .jpeg: return starts([0xFF, 0xD8, 0xFF])
        case .gif: return starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8))
        case .webp: return starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8)
        case .docx, .xlsx, .pptx: return starts(zip)
        case .odt, .ods, .odp:
            // An OpenDocument package stores "mimetype" first, uncompressed, naming the kind.
            return starts(zip) && starts(Array("mimetype\(mediaType)".utf8), at: 30)
        case .doc, .xls, .ppt: return starts(compoundFile)
        case .txt, .csv: return Self.isText(bytes)
        }
    }

    /// UTF-8 text without NUL or other binary control bytes (a sequence cut at the end of the prefix is allowed).
    static func isText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        if bytes.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C }) { return false }
        var end = bytes.count
        // Drop an incomplete multi-byte sequence at the cut.
        var back = 0
        while back < 3, end - back - 1 >= 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        if end - back - 1 >= 0 {
            let lead = bytes[end - back - 1]
            let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
            if needed > back { end = end - back - 1 }
        }
        return String(validating: bytes[0..<end], as: UTF8.self) != nil
    }
}
