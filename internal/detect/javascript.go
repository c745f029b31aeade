package detect

// EncEscapes names tokens found under JSON and JavaScript string escapes.
const EncEscapes = "JSON/JavaScript string escapes"

// jsEscape is the scheme of JSON and JavaScript string literals: \x63,
// \u0063, \u{63} (with any leading zeros), octal \143 (three digits: one
// or two are CSS's hex escapes as often), and the escapes of characters
// that are never part of a word (\n, \t, \", JSON's \/…), which end a
// word run or stand before a token.
type jsEscape struct{}

// maxBraceDigits bounds the digits of \u{…}, leading zeros included.
const maxBraceDigits = 16

func (jsEscape) name() string { return EncEscapes }
func (jsEscape) intro() byte  { return '\\' }
func (jsEscape) maxLen() int  { return 4 + maxBraceDigits }

// letters: \x63 \x69 \x6f, octal \143 \151 \157, \u0063… and \u{63}…
// (the backslash a byte before the u).
func (jsEscape) letters() []letterTrigger {
	return []letterTrigger{{`\x6`, 0}, {`\14`, 0}, {`\15`, 0}, {"u00", 1}, {"u{6", 1}, {"u{0", 1}}
}

func (jsEscape) unit(b []byte, j int) (byte, int) {
	if j+1 >= len(b) {
		return 0, 0
	}
	switch c := b[j+1]; c {
	case 'u':
		if j+2 < len(b) && b[j+2] == '{' {
			v, n := hexDigits(b, j+3, maxBraceDigits)
			if n == 0 || j+3+n >= len(b) || b[j+3+n] != '}' {
				return 0, 0
			}
			return asciiByte(v), 4 + n
		}
		if v := hexValue(b, j+2, 4); v >= 0 {
			return asciiByte(v), 6
		}
	case 'x':
		if v := hexValue(b, j+2, 2); v >= 0 {
			return asciiByte(v), 4
		}
	case '0', '1', '2', '3':
		if j+3 < len(b) && isOctal(b[j+2]) && isOctal(b[j+3]) {
			return asciiByte(int(c-'0')<<6 | int(b[j+2]-'0')<<3 | int(b[j+3]-'0')), 4
		}
		if c == '0' && (j+2 == len(b) || b[j+2] < '0' || b[j+2] > '9') {
			return ' ', 2 // \0, NUL
		}
	case 'n', 't', 'r', 'v', '"', '\'', '\\', '/', 'b', 'f', '`':
		return ' ', 2
	}
	return 0, 0
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
