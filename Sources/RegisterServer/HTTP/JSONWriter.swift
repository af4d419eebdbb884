import Foundation
import RegisterDomain

/// The API's JSON written straight into UTF-8 bytes: the same bytes Foundation's `JSONEncoder` gives
/// with `JSON.encoder`'s settings (compact, keys sorted by their UTF-8 bytes, `/` not
/// escaped, dates as ISO 8601 seconds in UTC), at a fraction of the cost.
///
/// Foundation builds a tree of every value (dictionaries, boxes, dynamic casts) before writing it;
/// on a page of 50 assignments that was half the server's processor (BENCHMARKS.md). Here each
/// type's own `encode(to:)` still decides its fields, so there is one definition of a response's
/// shape, and `JSONStreamEncoder` writes them as they come: an object's fields are sorted when it
/// closes, by moving their already-written bytes. `JSONWriterTests` holds the two to equal output.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A string, quoted and escaped as RFC 8259 §7 asks: `"` and `\`, the control characters
    /// (short forms where JSON has them, else `\u00xx` in lower case); everything else, `/` and
    /// non-ASCII included, as its UTF-8 bytes.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var mark = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if i > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<i])) }
                mark = i + 1
                switch b {
                case UInt8(ascii: "\""): ascii("\\\"")
                case UInt8(ascii: "\\"): ascii("\\\\")
                case 0x08: ascii("\\b")
                case 0x0C: ascii("\\f")
                case 0x0A: ascii("\\n")
                case 0x0D: ascii("\\r")
                case 0x09: ascii("\\t")
                default:
                    ascii("\\u00")
                    bytes.append(Self.hex(b >> 4))
                    bytes.append(Self.hex(b & 0x0F))
                }
            }
            if utf8.count > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func bool(_ value: Bool) { value ? ascii("true") : ascii("false") }

    mutating func integer(_ value: some FixedWidthInteger) {
        // Digits from the end into 24 bytes (any 64-bit value and its sign), without a String in between.
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { digits in
            var n = value.magnitude
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: n % 10)
                n /= 10
            } while n != 0
            if value < 0 {
                i -= 1
                digits[i] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: digits[i...])
        }
    }

    /// A number as Foundation writes it: Swift's shortest exact form, without a trailing `.0`.
    /// JSON has no NaN or infinity, so those are refused.
    mutating func floatingPoint<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, path: [any CodingKey]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "Unable to encode \(F.self).\(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// `2026-03-31T09:15:00Z`: whole seconds in UTC, as Foundation's `.iso8601` strategy writes them.
    mutating func date(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, second) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let dayStart = second < 0 ? days - 1 : days
        let inDay = second < 0 ? second + 86_400 : second
        bytes.append(UInt8(ascii: "\""))
        calendarDay(Day(daysSinceEpoch: dayStart))
        bytes.append(UInt8(ascii: "T"))
        digits(inDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay % 60, 2)
        ascii("Z\"")
    }

    /// A calendar date, `"2026-03-31"` (`Day`'s own text).
    mutating func day(_ day: Day) {
        bytes.append(UInt8(ascii: "\""))
        calendarDay(day)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `2026-03-31`, unquoted: the date part of both a date and a day.
    private mutating func calendarDay(_ day: Day) {
        digits(day.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(day.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day.day, 2)
    }

    /// A UUID as Foundation encodes it: its `uuidString`, upper case.
    mutating func uuid(_ id: UUID) {
        // Written into 38 bytes on the stack, then appended at once.
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &text) { out in
            var n = 0
            out[n] = UInt8(ascii: "\"")
            n += 1
            withUnsafeBytes(of: id.uuid) { raw in
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 {
                        out[n] = UInt8(ascii: "-")
                        n += 1
                    }
                    out[n] = Self.hexUpper(raw[i] >> 4)
                    out[n + 1] = Self.hexUpper(raw[i] & 0x0F)
                    n += 2
                }
            }
            out[n] = UInt8(ascii: "\"")
            return n + 1
        }
        withUnsafeBytes(of: &text) { bytes.append(contentsOf: $0[..<count]) }
    }

    /// A non-negative number in at least `width` digits (zeros in front).
    private mutating func digits(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 1, value < divisor {
            bytes.append(UInt8(ascii: "0"))
            divisor /= 10
        }
        integer(value)
    }

    private static func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
    private static func hexUpper(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10 }
}

/// Drives `JSONWriter` from a value's `Encodable` conformance, one pass, no intermediate tree.
///
/// Containers are open one inside another, as `encode(to:)` uses them (the register's types use
/// keyed, unkeyed and single-value containers, and a record's parts write into one object). Each
/// object keeps where its fields' bytes begin; if they did not come in key order (a `Record` writes
/// `id`, then its details, then `version`), they are put in order when the object closes; the order
/// worked out for one object is kept for the next whose keys are the same strings, so a page of
/// fifty records is sorted once. A key written twice keeps its last value, as Foundation's
/// dictionary does.
final class JSONStreamEncoder {
    /// An object or array being written.
    fileprivate struct Frame {
        var isObject: Bool
        /// Where its first member starts in `writer.bytes` (just after `{` or `[`).
        var start: Int
        var count = 0
        /// The first of its keys in `keys`.
        var keyBase: Int
        /// Whether its keys so far came in strictly ascending order.
        var inOrder = true
        /// Tells it from a frame opened later at the same depth, so a container kept past its end is caught.
        var serial: Int
    }

    /// A container's frame: its place on the stack, and which frame it was.
    fileprivate struct FrameRef: Equatable {
        var index: Int
        var serial: Int
    }

    /// A field of an open object: its key and where its bytes (from the key's quote) begin.
    fileprivate struct Field {
        var key: String
        var start: Int
    }

    /// The order an object's fields were put in, kept for the next object with the same keys in
    /// the same order (the other records of a page): `order` lists, in key order, the places of the
    /// fields written (the last of equal keys only).
    private struct Ordering {
        var keys: [String]
        var order: [Int]
    }

    // One encoder is used by one value's encoding on one task, and none of its methods calls back
    // into another while it changes these, so the run-time exclusivity checks Swift makes on a
    // class's stored properties (a tenth of the work on a page of records) are left out.
    @exclusivity(unchecked) fileprivate var writer: JSONWriter
    @exclusivity(unchecked) fileprivate var frames: [Frame] = []
    @exclusivity(unchecked) fileprivate var keys: [Field] = []
    @exclusivity(unchecked) private var serials = 0
    /// Encoders for nested values, one per depth, reused.
    @exclusivity(unchecked) private var encoders: [SlotEncoder] = []
    /// Orders worked out by `sortFields`, most recent last (a few: one per kind of object).
    @exclusivity(unchecked) private var orderings: [Ordering] = []
    /// Reused by `sortFields`, so putting an object in order allocates nothing once warm.
    @exclusivity(unchecked) private var region: [UInt8] = []

    private init(capacity: Int) {
        writer = JSONWriter(capacity: capacity)
        frames.reserveCapacity(8)
        keys.reserveCapacity(64)
    }

    /// The JSON of `value`.
    static func encode(_ value: some Encodable, capacity: Int = 1024) throws -> [UInt8] {
        let stream = JSONStreamEncoder(capacity: capacity)
        let root = stream.encoder(depth: 0, parent: nil, key: nil)
        if try !stream.writeScalar(value, path: { [] }) {
            try value.encode(to: root)
            guard root.state != .empty else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(type(of: value)) did not encode any values."))
            }
            stream.finish(root)
        }
        return stream.writer.bytes
    }

    fileprivate func encoder(depth: Int, parent: SlotEncoder?, key: (any CodingKey)?) -> SlotEncoder {
        if depth < encoders.count {
            let e = encoders[depth]
            e.reset(parent: parent, key: key)
            return e
        }
        let e = SlotEncoder(stream: self, depth: depth, parent: parent, key: key)
        encoders.append(e)
        return e
    }

    /// Writes the types JSON has a form for without asking the value; false for any other type.
    @inline(__always)
    fileprivate func writeScalar<T: Encodable>(_ value: T, path: () -> [any CodingKey]) throws -> Bool {
        if T.self == String.self {
            writer.string(unsafeBitCast(value, to: String.self))
        } else if T.self == UUID.self {
            writer.uuid(unsafeBitCast(value, to: UUID.self))
        } else if T.self == Date.self {
            writer.date(unsafeBitCast(value, to: Date.self))
        } else if T.self == Day.self {
            writer.day(unsafeBitCast(value, to: Day.self))
        } else if T.self == Int.self {
            writer.integer(unsafeBitCast(value, to: Int.self))
        } else if T.self == Bool.self {
            writer.bool(unsafeBitCast(value, to: Bool.self))
        } else if T.self == Double.self {
            try writer.floatingPoint(unsafeBitCast(value, to: Double.self), path: path())
        } else if T.self == URL.self {
            writer.string(unsafeBitCast(value, to: URL.self).absoluteString)
        } else if T.self == Data.self {
            writer.string(unsafeBitCast(value, to: Data.self).base64EncodedString())
        } else if T.self == Decimal.self {
            var text = unsafeBitCast(value, to: Decimal.self).description
            text.withUTF8 { writer.bytes.append(contentsOf: $0) }
        } else {
            return false
        }
        return true
    }

    /// A value inside a container of `owner`: a scalar directly, anything else through the encoder
    /// one level down, closed when its `encode(to:)` returns.
    fileprivate func writeNested<T: Encodable>(_ value: T, owner: SlotEncoder, key: (any CodingKey)?) throws {
        if try writeScalar(value, path: { owner.codingPath + (key.map { [$0] } ?? []) }) { return }
        let child = encoder(depth: owner.depth + 1, parent: owner, key: key)
        try value.encode(to: child)
        if child.state == .empty {
            // Foundation writes an empty object for a nested value that encoded nothing.
            writer.ascii("{}")
        } else {
            finish(child)
        }
    }

    /// Opens an object or array at the current position.
    fileprivate func open(object: Bool) -> FrameRef {
        writer.byte(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        serials += 1
        frames.append(Frame(isObject: object, start: writer.bytes.count, keyBase: keys.count, serial: serials))
        return FrameRef(index: frames.count - 1, serial: serials)
    }

    /// Begins a member of frame `index`: closes what was opened inside it since (nested containers
    /// done with), writes the comma, and for an object the key.
    fileprivate func beginMember(of frame: FrameRef, key: String?) {
        let index = frame.index
        precondition(index < frames.count && frames[index].serial == frame.serial, "JSON: a container was written to after it was closed")
        while frames.count - 1 > index { close(frames.count - 1) }
        if frames[index].count > 0 { writer.byte(UInt8(ascii: ",")) }
        frames[index].count += 1
        if let key {
            if frames[index].inOrder, keys.count > frames[index].keyBase, !Self.precedes(keys[keys.count - 1].key, key) {
                frames[index].inOrder = false
            }
            keys.append(Field(key: key, start: writer.bytes.count))
            writer.string(key)
            writer.byte(UInt8(ascii: ":"))
        }
    }

    /// Closes whatever `encoder` opened (and anything still open inside it).
    fileprivate func finish(_ encoder: SlotEncoder) {
        switch encoder.state {
        case .object(let frame), .array(let frame):
            while frames.count > frame.index { close(frames.count - 1) }
        case .empty, .single:
            break
        }
    }

    private func close(_ index: Int) {
        let frame = frames[index]
        if frame.isObject {
            if !frame.inOrder { sortFields(frame) }
            keys.removeSubrange(frame.keyBase...)
            writer.byte(UInt8(ascii: "}"))
        } else {
            writer.byte(UInt8(ascii: "]"))
        }
        frames.removeLast()
    }

    /// Rewrites an object's fields in key order (byte order of the UTF-8 keys, as Foundation sorts
    /// them), keeping the last of fields with the same key.
    private func sortFields(_ frame: Frame) {
        let fields = frame.keyBase..<keys.count
        let order = ordering(of: fields)
        let end = writer.bytes.count
        region.removeAll(keepingCapacity: true)
        region.append(contentsOf: writer.bytes[frame.start..<end])
        writer.bytes.removeSubrange(frame.start...)
        for (n, place) in order.enumerated() {
            let field = fields.lowerBound + place
            let upper = field + 1 < fields.upperBound ? keys[field + 1].start - 1 : end  // without the comma before the next
            if n > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.bytes.append(contentsOf: region[(keys[field].start - frame.start)..<(upper - frame.start)])
        }
    }

    /// The key order of `fields` (places within them): as worked out for the last object with the
    /// same keys, or sorted now. Keys are compared by identity for the look-up (the same key of the
    /// same type is the same string each time), so a page of fifty records sorts once.
    private func ordering(of fields: Range<Int>) -> [Int] {
        search: for n in orderings.indices.reversed() where orderings[n].keys.count == fields.count {
            for (i, key) in orderings[n].keys.enumerated() where !Self.identical(key, keys[fields.lowerBound + i].key) { continue search }
            return orderings[n].order
        }
        // Insertion sort: a few dozen fields at most, and stable, so the last of equal keys stays last.
        var order = Array(0..<fields.count)
        for i in order.indices.dropFirst() {
            let place = order[i]
            var j = i
            while j > 0, Self.precedes(keys[fields.lowerBound + place].key, keys[fields.lowerBound + order[j - 1]].key) {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = place
        }
        order = order.indices.compactMap { n in
            // A later value for the same key wins.
            n + 1 < order.count && Self.same(keys[fields.lowerBound + order[n + 1]].key, keys[fields.lowerBound + order[n]].key) ? nil : order[n]
        }
        if orderings.count == 8 { orderings.removeFirst() }
        orderings.append(Ordering(keys: keys[fields].map(\.key), order: order))
        return order
    }

    /// Whether two strings are the same string value: the same small string, literal or buffer.
    /// Strings that are equal but stored apart answer false, which only costs a sort; the kept
    /// strings hold their buffers, so a buffer seen here cannot have been reused for other text.
    private static func identical(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }

    /// Whether key `a` comes before `b` in the byte order of their UTF-8 (keys are the types' own
    /// names, so their bytes are at hand and compared with `memcmp`).
    private static func precedes(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    private static func same(_ a: String, _ b: String) -> Bool {
        compare(a, b) == 0
    }

    private static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Int in
                let common = min(x.count, y.count)
                if common > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let c = memcmp(p, q, common)
                    if c != 0 { return Int(c) }
                }
                return x.count - y.count
            }
        }
        if let fast, let result = fast { return result }
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}

/// The encoder of one value's place in the output (a field's value, an array element, the whole).
private final class SlotEncoder: Encoder, SingleValueEncodingContainer {
    enum State: Equatable {
        case empty
        case single
        case object(JSONStreamEncoder.FrameRef)
        case array(JSONStreamEncoder.FrameRef)
    }

    /// The stream keeps its encoders and outlives them (both live only for one `encode`), so the
    /// reference neither owns it nor pays for checking that it is still there.
    unowned(unsafe) let stream: JSONStreamEncoder
    let depth: Int
    @exclusivity(unchecked) var parent: SlotEncoder?
    @exclusivity(unchecked) var key: (any CodingKey)?
    @exclusivity(unchecked) var state = State.empty

    init(stream: JSONStreamEncoder, depth: Int, parent: SlotEncoder?, key: (any CodingKey)?) {
        self.stream = stream
        self.depth = depth
        self.parent = parent
        self.key = key
    }

    func reset(parent: SlotEncoder?, key: (any CodingKey)?) {
        self.parent = parent
        self.key = key
        state = .empty
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var e: SlotEncoder? = self
        while let current = e {
            if let key = current.key { path.append(key) }
            e = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch state {
        case .object(let frame):
            // A second container on the same encoder (a record's details and state) adds to the same object.
            return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, frame: frame))
        case .empty:
            let frame = stream.open(object: true)
            state = .object(frame)
            return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, frame: frame))
        case .single, .array:
            preconditionFailure("Attempt to push new keyed encoding container when already previously encoded at this path.")
        }
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch state {
        case .array(let frame):
            return UnkeyedContainer(encoder: self, frame: frame)
        case .empty:
            let frame = stream.open(object: false)
            state = .array(frame)
            return UnkeyedContainer(encoder: self, frame: frame)
        case .single, .object:
            preconditionFailure("Attempt to push new unkeyed encoding container when already previously encoded at this path.")
        }
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: one value

    private func claim() {
        precondition(state == .empty, "Attempt to encode value through single value container when previously value already encoded.")
        state = .single
    }

    func encodeNil() throws {
        claim()
        stream.writer.ascii("null")
    }
    func encode(_ value: Bool) throws {
        claim()
        stream.writer.bool(value)
    }
    func encode(_ value: String) throws {
        claim()
        stream.writer.string(value)
    }
    func encode(_ value: Double) throws {
        claim()
        try stream.writer.floatingPoint(value, path: codingPath)
    }
    func encode(_ value: Float) throws {
        claim()
        try stream.writer.floatingPoint(value, path: codingPath)
    }
    func encode(_ value: Int) throws { try integer(value) }
    func encode(_ value: Int8) throws { try integer(value) }
    func encode(_ value: Int16) throws { try integer(value) }
    func encode(_ value: Int32) throws { try integer(value) }
    func encode(_ value: Int64) throws { try integer(value) }
    func encode(_ value: UInt) throws { try integer(value) }
    func encode(_ value: UInt8) throws { try integer(value) }
    func encode(_ value: UInt16) throws { try integer(value) }
    func encode(_ value: UInt32) throws { try integer(value) }
    func encode(_ value: UInt64) throws { try integer(value) }

    private func integer(_ value: some FixedWidthInteger) throws {
        claim()
        stream.writer.integer(value)
    }

    func encode<T: Encodable>(_ value: T) throws {
        precondition(state == .empty, "Attempt to encode value through single value container when previously value already encoded.")
        // As Foundation: the value takes this encoder's own place.
        if try stream.writeScalar(value, path: { self.codingPath }) {
            state = .single
        } else {
            try value.encode(to: self)
        }
    }
}

/// An object's fields.
private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: SlotEncoder
    let frame: JSONStreamEncoder.FrameRef

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func begin(_ key: Key) { encoder.stream.beginMember(of: frame, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws {
        begin(key)
        encoder.stream.writer.ascii("null")
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        begin(key)
        encoder.stream.writer.bool(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        begin(key)
        encoder.stream.writer.string(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        begin(key)
        try encoder.stream.writer.floatingPoint(value, path: codingPath + [key])
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        begin(key)
        try encoder.stream.writer.floatingPoint(value, path: codingPath + [key])
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { integer(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { integer(value, key) }

    private func integer(_ value: some FixedWidthInteger, _ key: Key) {
        begin(key)
        encoder.stream.writer.integer(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        begin(key)
        try encoder.stream.writeNested(value, owner: encoder, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        begin(key)
        // Open until this object's next field, or its end.
        let nested = encoder.stream.open(object: true)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, frame: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        begin(key)
        return UnkeyedContainer(encoder: encoder, frame: encoder.stream.open(object: false))
    }

    mutating func superEncoder() -> any Encoder {
        preconditionFailure("JSONStreamEncoder does not support superEncoder()")
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        preconditionFailure("JSONStreamEncoder does not support superEncoder(forKey:)")
    }
}

/// An array's elements.
private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: SlotEncoder
    let frame: JSONStreamEncoder.FrameRef

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.stream.frames[frame.index].count }

    private func begin() { encoder.stream.beginMember(of: frame, key: nil) }

    mutating func encodeNil() throws {
        begin()
        encoder.stream.writer.ascii("null")
    }
    mutating func encode(_ value: Bool) throws {
        begin()
        encoder.stream.writer.bool(value)
    }
    mutating func encode(_ value: String) throws {
        begin()
        encoder.stream.writer.string(value)
    }
    mutating func encode(_ value: Double) throws {
        begin()
        try encoder.stream.writer.floatingPoint(value, path: codingPath)
    }
    mutating func encode(_ value: Float) throws {
        begin()
        try encoder.stream.writer.floatingPoint(value, path: codingPath)
    }
    mutating func encode(_ value: Int) throws { integer(value) }
    mutating func encode(_ value: Int8) throws { integer(value) }
    mutating func encode(_ value: Int16) throws { integer(value) }
    mutating func encode(_ value: Int32) throws { integer(value) }
    mutating func encode(_ value: Int64) throws { integer(value) }
    mutating func encode(_ value: UInt) throws { integer(value) }
    mutating func encode(_ value: UInt8) throws { integer(value) }
    mutating func encode(_ value: UInt16) throws { integer(value) }
    mutating func encode(_ value: UInt32) throws { integer(value) }
    mutating func encode(_ value: UInt64) throws { integer(value) }

    private func integer(_ value: some FixedWidthInteger) {
        begin()
        encoder.stream.writer.integer(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        begin()
        try encoder.stream.writeNested(value, owner: encoder, key: IndexKey(index))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        begin()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, frame: encoder.stream.open(object: true)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        begin()
        return UnkeyedContainer(encoder: encoder, frame: encoder.stream.open(object: false))
    }

    mutating func superEncoder() -> any Encoder {
        preconditionFailure("JSONStreamEncoder does not support superEncoder()")
    }
}

/// An array element's place in a coding path (for error messages only).
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}
