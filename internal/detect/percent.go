package detect

// Encodings of URLs.
const (
	EncPercent  = "percent-encoding"
	EncPercent2 = "double percent-encoding"
)

// percentEscape is URLs' percent-encoding: %63.
type percentEscape struct{}

func (percentEscape) name() string { return EncPercent }
func (percentEscape) intro() byte  { return '%' }
func (percentEscape) maxLen() int  { return 3 }

// letters: %63 %69 %6f %6F.
func (percentEscape) letters() []letterTrigger {
	return []letterTrigger{{"%63", 0}, {"%69", 0}, {"%6f", 0}, {"%6F", 0}}
}

func (percentEscape) unit(b []byte, j int) (byte, int) {
	if v := hexValue(b, j+1, 2); v >= 0 {
		return byte(v), 3
	}
	return 0, 0
}

// percent2Escape is percent-encoding done twice, as a URL inside a URL's
// parameter is: %2563 (%25 is the percent sign). The text around it was
// encoded once (the "=" before the token is %3D): both are its escapes.
type percent2Escape struct{}

func (percent2Escape) name() string { return EncPercent2 }
func (percent2Escape) intro() byte  { return '%' }
func (percent2Escape) maxLen() int  { return 5 }

// letters: %2563 %2569 %256f, and those encoded once (the text around
// a token may be; the token too).
func (percent2Escape) letters() []letterTrigger {
	return append([]letterTrigger{{"%25", 0}}, percentEscape{}.letters()...)
}

func (percent2Escape) unit(b []byte, j int) (byte, int) {
	if j+2 < len(b) && b[j+1] == '2' && b[j+2] == '5' {
		if v := hexValue(b, j+3, 2); v >= 0 {
			return byte(v), 5
		}
	}
	return percentEscape{}.unit(b, j)
}
