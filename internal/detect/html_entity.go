package detect

// EncHTML names tokens found under HTML character references.
const EncHTML = "HTML character references"

// htmlRef is HTML's numeric character references: &#99; and &#x63;.
type htmlRef struct{}

func (htmlRef) name() string { return EncHTML }
func (htmlRef) intro() byte  { return '&' }
func (htmlRef) maxLen() int  { return 12 }

func (htmlRef) unit(b []byte, i int) (byte, int) {
	if i+3 >= len(b) || b[i+1] != '#' {
		return 0, 0
	}
	j, hex := i+2, false
	if b[j] == 'x' || b[j] == 'X' {
		j, hex = j+1, true
	}
	k := j
	for k < len(b) && k-j < 7 && (hex && isHex(b[k]) || !hex && b[k] >= '0' && b[k] <= '9') {
		k++
	}
	if k == j || k >= len(b) || b[k] != ';' {
		return 0, 0
	}
	v := 0
	for _, c := range b[j:k] {
		if hex {
			v = v<<4 | int(unhex(c))
		} else {
			v = v*10 + int(c-'0')
		}
	}
	return asciiByte(v), k + 1 - i
}
