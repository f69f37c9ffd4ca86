package main

import (
	"fmt"
)

// AdminCmd holds the operator's maintenance commands, which work on the
// database directly (no running server needed).
type AdminCmd struct {
	ResetToken AdminResetTokenCmd `cmd:"" name:"reset-token" help:"Make a new operator token and print it; the old one stops working at once."`
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
