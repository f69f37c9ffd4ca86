package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// TenantsCmd groups the tenant chores.
type TenantsCmd struct {
	Create TenantsCreateCmd `cmd:"" help:"Create a tenant."`
	List   TenantsListCmd   `cmd:"" help:"List tenants."`
}

// TenantsCreateCmd creates a tenant.
type TenantsCreateCmd struct {
	StoreFlags
	DefaultPlan string `name:"default-plan" env:"HOOKD_DEFAULT_PLAN" default:"enterprise" enum:"free,platinum,enterprise" help:"Plan of new tenants that name none (${enum})."`

	Slug       string `arg:"" help:"Unique, URL-safe name: lowercase letters, digits, dashes."`
	Name       string `help:"Display name (defaults to the slug)."`
	Plan       string `help:"free, platinum or enterprise (defaults to --default-plan)."`
	AdminEmail string `name:"admin-email" help:"Email of the tenant's first console user."`
	// The password comes from the environment only, so it never shows in ps.
}

// Run creates the tenant.
func (c *TenantsCreateCmd) Run(env *Env) error {
	a, s, err := c.newApp(env, c.DefaultPlan)
	if err != nil {
		return err
	}
	defer s.Close()
	in := app.CreateTenantInput{Slug: c.Slug, Name: c.Name, Plan: hookd.Plan(c.Plan), AdminEmail: c.AdminEmail}
	if c.AdminEmail != "" {
		in.AdminPassword = env.Getenv("HOOKD_TENANT_ADMIN_PASSWORD")
		if in.AdminPassword == "" {
			return fmt.Errorf("--admin-email needs the password in HOOKD_TENANT_ADMIN_PASSWORD")
		}
	}
	t, err := a.CreateTenant(env.Ctx, in)
	if err != nil {
		return describe(err)
	}
	_, err = fmt.Fprintf(env.Stdout, "created tenant %s (%s, plan %s); its API is disabled until enabled\n", t.Slug, t.ID, t.Plan)
	return err
}

// TenantsListCmd lists tenants.
type TenantsListCmd struct {
	StoreFlags
	Query string `name:"q" help:"Only tenants whose slug or name contains this."`
}

// Run prints every tenant, a line each.
func (c *TenantsListCmd) Run(env *Env) error {
	a, s, err := c.newApp(env, "")
	if err != nil {
		return err
	}
	defer s.Close()
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tPLAN\tAPI\tCREATED")
	p := hookd.ListParams{Limit: hookd.MaxListLimit, Sort: "slug", Query: c.Query}
	for {
		page, err := a.ListTenants(env.Ctx, p)
		if err != nil {
			return describe(err)
		}
		for _, t := range page.Items {
			api := "disabled"
			if t.APIEnabled {
				api = "enabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.Plan, api, t.CreatedAt.Format("2006-01-02 15:04"))
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	return w.Flush()
}

// describe turns a domain error into a message for the terminal.
func describe(err error) error {
	e, ok := err.(*hookd.Error)
	if !ok || e.Code == hookd.EINTERNAL {
		return err
	}
	msg := e.Message
	for _, f := range e.Fields {
		// The app names fields as the API does (body.slug); on the
		// command line they are flags and arguments.
		name := strings.ReplaceAll(strings.TrimPrefix(f.Location, "body."), "_", "-")
		msg += fmt.Sprintf("\n  %s: %s", name, f.Message)
	}
	return fmt.Errorf("%s", msg)
}
