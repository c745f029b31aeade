package detect

// EncEscapes names tokens found under JSON and JavaScript string escapes.
const EncEscapes = "JSON/JavaScript string escapes"

// jsEscape is the scheme of JSON and JavaScript string literals: \u0063,
// \x63, and the escapes of characters that are never part of a word
// (\n, \t, \", \/…), which end a word run or stand before a token.
type jsEscape struct{}

func (jsEscape) name() string { return EncEscapes }
func (jsEscape) intro() byte  { return '\\' }
func (jsEscape) maxLen() int  { return 6 }

func (jsEscape) unit(b []byte, j int) (byte, int) {
	if j+1 >= len(b) {
		return 0, 0
	}
	switch b[j+1] {
	case 'u':
		if v := hexValue(b, j+2, 4); v >= 0 {
			return asciiByte(v), 6
		}
	case 'x':
		if v := hexValue(b, j+2, 2); v >= 0 {
			return asciiByte(v), 4
		}
	case 'n', 't', 'r', '"', '\'', '\\', '/', 'b', 'f', '`':
		return ' ', 2
	}
	return 0, 0
}
