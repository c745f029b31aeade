//go:build unix && !linux

package files

const mapPopulate = 0
