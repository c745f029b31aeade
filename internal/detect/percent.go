package detect

// EncPercent names tokens found under percent-encoding.
const EncPercent = "percent-encoding"

// percentEscape is URLs' percent-encoding: %63.
type percentEscape struct{}

func (percentEscape) name() string { return EncPercent }
func (percentEscape) intro() byte  { return '%' }
func (percentEscape) maxLen() int  { return 3 }

func (percentEscape) unit(b []byte, j int) (byte, int) {
	if v := hexValue(b, j+1, 2); v >= 0 {
		return byte(v), 3
	}
	return 0, 0
}
