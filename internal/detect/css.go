package detect

// EncCSS names tokens found under CSS escapes.
const EncCSS = "CSS escapes"

// cssEscape is the scheme of CSS strings and identifiers: a backslash and
// one to six hex digits (\63, \000063), which one whitespace character
// may end (\63 io…: the space is the escape's, so that the next
// character is not read as a digit).
type cssEscape struct{}

func (cssEscape) name() string { return EncCSS }
func (cssEscape) intro() byte  { return '\\' }
func (cssEscape) maxLen() int  { return 1 + 6 + 2 }

// letters: \63 \69 \6f \6F, \063… and zero-padded \0063…
func (cssEscape) letters() []letterTrigger {
	return []letterTrigger{{`\63`, 0}, {`\69`, 0}, {`\6f`, 0}, {`\6F`, 0}, {`\06`, 0}, {`\00`, 0}}
}

func (cssEscape) unit(b []byte, j int) (byte, int) {
	v, n := hexDigits(b, j+1, 6)
	if n == 0 {
		return 0, 0 // \. or \n: not one that can stand for a word byte
	}
	end := j + 1 + n
	switch {
	case end+1 < len(b) && b[end] == '\r' && b[end+1] == '\n':
		end += 2
	case end < len(b) && (b[end] == ' ' || b[end] == '\t' || b[end] == '\n' || b[end] == '\r' || b[end] == '\f'):
		end++
	}
	return asciiByte(v), end - j
}
