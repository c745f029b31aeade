package files

import "syscall"

// mapPopulate has the kernel map every page of a window at once, rather
// than one fault per page as it is read.
const mapPopulate = syscall.MAP_POPULATE
