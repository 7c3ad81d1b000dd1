/// A small terminal emulator for what `taskloop run` draws: text, `\r`, `\n`,
/// autowrap at the right margin, and the CSI sequences the console uses
/// (cursor up, erase to the end of the screen, colours, synchronized-update
/// brackets). Anything else is recorded in ``unknownSequences``, so a test
/// can insist there is none.
struct TerminalScreen {
    let columns: Int
    let rows: Int
    /// Lines that scrolled off the top.
    private(set) var scrollback: [String] = []
    private var screen: [[Character]]
    private var row = 0
    private var column = 0
    private(set) var unknownSequences: [String] = []

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        screen = Array(repeating: [], count: rows)
    }

    /// Everything the terminal shows and showed: the scrollback, then the
    /// screen down to its last non-empty line, without trailing spaces.
    var history: [String] {
        var lines = scrollback + screen.map { String($0) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }
    }

    mutating func feed(_ text: String) {
        // Scalars, not Characters: "\r\n" is one Character in Swift.
        var characters = text.unicodeScalars[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            switch character {
            case "\r":
                column = 0
            case "\n":
                lineFeed()
            case "\u{1B}":
                guard characters.first == "[" else {
                    unknownSequences.append("ESC " + String(characters.prefix(1)))
                    continue
                }
                characters = characters.dropFirst()
                let parameters = characters.prefix { !$0.properties.isAlphabetic }
                characters = characters.dropFirst(parameters.count)
                guard let final = characters.first else { return }
                characters = characters.dropFirst()
                apply(String(String.UnicodeScalarView(parameters)), Character(final))
            default:
                put(Character(character))
            }
        }
    }

    private mutating func apply(_ parameters: String, _ final: Character) {
        switch (parameters, final) {
        case (_, "m"), ("?2026", "h"), ("?2026", "l"):
            break
        case (_, "A"):
            row = max(0, row - (Int(parameters) ?? 1))
        case ("", "J"), ("0", "J"):
            screen[row].removeSubrange(min(column, screen[row].count)...)
            for below in (row + 1)..<rows { screen[below] = [] }
        default:
            unknownSequences.append("CSI \(parameters)\(final)")
        }
    }

    private mutating func put(_ character: Character) {
        if column == columns {
            column = 0
            lineFeed()
        }
        while screen[row].count < column { screen[row].append(" ") }
        if column < screen[row].count {
            screen[row][column] = character
        } else {
            screen[row].append(character)
        }
        column += 1
    }

    private mutating func lineFeed() {
        if row == rows - 1 {
            scrollback.append(String(screen.removeFirst()))
            screen.append([])
        } else {
            row += 1
        }
    }
}
