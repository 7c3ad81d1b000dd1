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
        let readable = id.rawValue.unicodeScalars.prefix(readableLength).map { scalar -> Character in
            let safe = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-=".unicodeScalars.contains(scalar))
            return safe ? Character(scalar) : "_"
        }
        let digest = SHA256.hash(data: Array(id.rawValue.utf8)).prefix(6).map { String(zeroPadded: $0, digits: 2, radix: 16) }.joined()
        // A name starting with `.` would be hidden, and `..` is not a name.
        let prefix = String(readable).drop { $0 == "." }
        return prefix + "-" + digest
    }
}
