import NIOCore

/// Stands before multipart-kit's parser, which stops the whole server (an array index out of range)
/// when a byte above 127 comes where a part's header name is expected: its table of allowed name
/// characters has 128 entries. Header names are ASCII tokens (RFC 7578, RFC 9110), so a body with any
/// other byte there is malformed; this finds one as the bytes stream past and says so before the
/// parser sees them. Header values (a file name in UTF-8, say) are left alone.
struct MultipartHeaderGuard {
    private enum State { case body, delimiterLine, lineStart, name, value, headersEnd, epilogue }

    /// CR LF "--" boundary: what starts every delimiter line but the first.
    private let delimiter: [UInt8]
    /// How much of the delimiter the last bytes matched.
    private var matched: Int
    private var state = State.body
    /// The first bytes of a delimiter line: "--" after the boundary closes the body.
    private var delimiterLineBytes: [UInt8] = []

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body opens with "--" boundary, with no line break before it.
        matched = 2
    }

    /// Whether these bytes keep every header name ASCII; false at the first one that does not.
    mutating func accepts(_ buffer: ByteBuffer) -> Bool {
        for byte in buffer.readableBytesView where !accepts(byte) { return false }
        return true
    }

    private mutating func accepts(_ byte: UInt8) -> Bool {
        switch state {
        case .body:
            if byte == delimiter[matched] {
                matched += 1
                if matched == delimiter.count {
                    state = .delimiterLine
                    delimiterLineBytes = []
                    matched = 0
                }
            } else {
                // The delimiter's only CR is its first byte, so a mismatch restarts the match there.
                matched = byte == delimiter[0] ? 1 : 0
            }
        case .delimiterLine:
            delimiterLineBytes.append(byte)
            if delimiterLineBytes.starts(with: Array("--".utf8)) {
                state = .epilogue
            } else if byte == UInt8(ascii: "\n") {
                state = .lineStart
            }
        case .lineStart:
            if byte == UInt8(ascii: "\r") {
                state = .headersEnd
            } else if byte >= 0x80 {
                return false
            } else {
                state = byte == UInt8(ascii: ":") ? .value : .name
            }
        case .name:
            if byte >= 0x80 { return false }
            if byte == UInt8(ascii: ":") { state = .value }
        case .value:
            if byte == UInt8(ascii: "\n") { state = .lineStart }
        case .headersEnd:
            state = .body
            matched = 0
        case .epilogue:
            break
        }
        return true
    }
}
