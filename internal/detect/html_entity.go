package detect

// EncHTML names tokens found under HTML character references.
const EncHTML = "HTML character references"

// htmlRef is HTML's numeric character references, decimal and hex, with
// any leading zeros (up to maxRefDigits digits): &#99;, &#x63;,
// &#0000099;.
type htmlRef struct{}

// maxRefDigits bounds a reference's digits, leading zeros included.
const maxRefDigits = 16

func (htmlRef) name() string { return EncHTML }
func (htmlRef) intro() byte  { return '&' }
func (htmlRef) maxLen() int  { return 4 + maxRefDigits }

// letters: &#99; &#105; &#111;, zero-padded &#0099;…, &#x63; &#X63;…
func (htmlRef) letters() []letterTrigger {
	return []letterTrigger{{"&#9", 0}, {"&#1", 0}, {"&#0", 0}, {"&#x", 0}, {"&#X", 0}}
}

func (htmlRef) unit(b []byte, i int) (byte, int) {
	if i+3 >= len(b) || b[i+1] != '#' {
		return 0, 0
	}
	var v, n int
	j := i + 2
	if b[j] == 'x' || b[j] == 'X' {
		j++
		v, n = hexDigits(b, j, maxRefDigits)
	} else {
		for n < maxRefDigits && j+n < len(b) && b[j+n] >= '0' && b[j+n] <= '9' {
			v = min(v*10+int(b[j+n]-'0'), 0x110000)
			n++
		}
	}
	if n == 0 || j+n >= len(b) || b[j+n] != ';' {
		return 0, 0
	}
	return asciiByte(v), j + n + 1 - i
}
