import Crypto

/// A file name for a step's own files in the run's folder. Any valid step id
/// must give a valid name, but ids of matrix steps hold `/` (`build[os=linux/amd64]`)
/// and ids may be longer than a file name may be (255 bytes). So the name is
/// a readable prefix of the id, with every character but `A-Z a-z 0-9 . _ - =`
/// written as `_` and at most 64 long, then `-` and the first 12 hex digits of
/// the id's SHA-256, which keeps two ids that read alike apart:
/// `build_os=linux_amd64_-1f3a9c0b27de`.
enum StepFileName {
    static let readableLength = 64

    static func make(for id: StepID) -> String {
        // Byte by byte: a shell step makes its output file's name as it starts.
        var name: [UInt8] = []
        name.reserveCapacity(readableLength)
        for scalar in id.rawValue.unicodeScalars.prefix(readableLength) {
            let isSafe = scalar.isASCII && isSafeASCII(UInt8(scalar.value))
            // A name starting with `.` would be hidden, and `..` is not a name.
            if name.isEmpty, scalar == "." { continue }
            name.append(isSafe ? UInt8(scalar.value) : UInt8(ascii: "_"))
        }
        return String(decoding: name, as: UTF8.self) + "-" + ContentDigest.hex(SHA256.hash(data: Array(id.rawValue.utf8)).prefix(6))
    }

    /// `A-Z a-z 0-9 . _ - =`.
    private static func isSafeASCII(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
