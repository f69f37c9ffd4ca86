//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package sqlstore

import "errors"

// freeBytes is not measured on this system.
func freeBytes(string) (uint64, error) { return 0, errors.ErrUnsupported }
