//go:build linux || darwin || freebsd || netbsd || openbsd

package sqlstore

import "syscall"

// freeBytes returns the bytes of the file system holding dir that an
// unprivileged process may still use.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
