package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hookd/hookd/sqlstore"
)

// AdminCmd holds the operator's maintenance commands, which work on the
// database directly (no running server needed).
type AdminCmd struct {
	ResetToken AdminResetTokenCmd `cmd:"" name:"reset-token" help:"Make a new operator token and print it; the old one stops working at once."`
	Backup     AdminBackupCmd     `cmd:"" help:"Copy the SQLite database to a new file while hookd runs (PostgreSQL: use pg_dump, see docs/operations.md)."`
	Restore    AdminRestoreCmd    `cmd:"" help:"Replace the SQLite database by a backup; hookd serve must be stopped. The current database is kept beside it."`
}

// AdminResetTokenCmd replaces the operator token.
type AdminResetTokenCmd struct {
	StoreFlags
}

// Run makes a new operator token, stores its hash and prints the token.
// With HOOKD_ADMIN_TOKEN set the servers would put that token back at their
// next start, so it refuses: change the variable instead.
func (c *AdminResetTokenCmd) Run(env *Env) error {
	if env.Getenv("HOOKD_ADMIN_TOKEN") != "" {
		return fmt.Errorf("reset token: HOOKD_ADMIN_TOKEN is set, and the servers put that token back when they start; change the variable instead")
	}
	a, s, err := c.newApp(env, "")
	if err != nil {
		return err
	}
	defer s.Close()
	token, err := a.ResetOperatorToken(env.Ctx)
	if err != nil {
		return fmt.Errorf("reset token: %w", describe(err))
	}
	_, err = fmt.Fprintf(env.Stdout, "new operator token (shown once, keep it safe): %s\n"+
		"the previous token no longer works, on every instance sharing this database\n", token)
	return err
}

// AdminBackupCmd copies the SQLite database online.
type AdminBackupCmd struct {
	StoreFlags
	To string `arg:"" name:"file" help:"The backup file to write; it must not exist."`
}

// Run writes the backup. It opens the database like any command (a
// running serve is fine: the copy is taken in a read transaction) but
// needs no instance key: the copy keeps the secrets sealed as they are.
func (c *AdminBackupCmd) Run(env *Env) error {
	if c.DatabaseURL != "" {
		return fmt.Errorf("backup: the database is PostgreSQL; back it up with pg_dump --format=custom (docs/operations.md)")
	}
	s, err := c.open(env.Ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	if err := s.BackupSQLite(env.Ctx, c.To); err != nil {
		return err
	}
	info, err := os.Stat(c.To)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = fmt.Fprintf(env.Stdout, "backed up the database to %s (%d bytes, %s)\n"+
		"keep the instance key (HOOKD_SECRET_KEY or %s) with it: the secrets in it are sealed with that key\n",
		c.To, info.Size(), time.Since(start).Round(time.Millisecond), filepath.Join(c.DataDir, "instance.key"))
	return err
}

// AdminRestoreCmd puts a backup in place of the SQLite database.
type AdminRestoreCmd struct {
	StoreFlags
	From string `arg:"" name:"file" help:"The backup file (made by hookd admin backup)."`
}

// Run checks the backup (it must open as a hookd database, pass SQLite's
// integrity check and migrate to this version), takes the data
// directory's lock so that no serve runs meanwhile, moves the current
// database aside (hookd.db.before-restore-<time>) and puts the backup in
// its place.
func (c *AdminRestoreCmd) Run(env *Env) error {
	if c.DatabaseURL != "" {
		return fmt.Errorf("restore: the database is PostgreSQL; restore it with pg_restore (docs/operations.md)")
	}
	unlock, err := lockDataDir(c.DataDir)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer unlock()
	db := filepath.Join(c.DataDir, "hookd.db")
	staged := db + ".restoring"
	os.Remove(staged)
	if err := copyFile(c.From, staged); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkBackup(env, staged); err != nil {
		os.Remove(staged)
		return fmt.Errorf("restore: %s is not a usable hookd database: %w", c.From, err)
	}
	kept := ""
	if _, err := os.Stat(db); err == nil {
		kept = db + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(db, kept); err != nil {
			return fmt.Errorf("restore: move the current database aside: %w", err)
		}
		// Its write-ahead log belongs with it, not with the restored file.
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Rename(db+suffix, kept+suffix); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("restore: move the current database aside: %w", err)
			}
		}
	}
	if err := os.Rename(staged, db); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored %s from %s\n", db, c.From)
	if kept != "" {
		fmt.Fprintf(env.Stdout, "the previous database is kept as %s\n", kept)
	}
	return nil
}

// checkBackup opens the staged copy as a store, migrates it to this
// version and runs SQLite's integrity check.
func checkBackup(env *Env, path string) error {
	s, err := sqlstore.OpenSQLite(env.Ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(env.Ctx); err != nil {
		return err
	}
	return s.CheckIntegrity(env.Ctx)
}

// copyFile copies src to the new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
