package inbound

import (
	"fmt"

	"github.com/hookd/hookd"
)

// Operation is what an HR webhook call asks for; its value is the last
// segment of the webhook's URL.
type Operation string

// The HR operations.
const (
	AddUser    Operation = "adduser"    // create, or update an existing employee ID
	ModifyUser Operation = "modifyuser" // update an existing user
	DeleteUser Operation = "deleteuser" // terminate an existing user
)

// Valid reports whether op is a known operation.
func (op Operation) Valid() bool {
	return op == AddUser || op == ModifyUser || op == DeleteUser
}

func checkOp(op Operation) error {
	if !op.Valid() {
		return hookd.Errorf(hookd.EINVALID, "Unknown provisioning operation %q; use adduser, modifyuser or deleteuser.", string(op))
	}
	return nil
}

// ParseGenericUser parses the body of the generic HR webhook: employee_id,
// first_name, last_name, email, mobile and display_name. AddUser requires
// employee_id, first_name, last_name and email; ModifyUser and DeleteUser
// require employee_id. Empty strings count as not given. Every problem is
// listed in one EINVALID error.
func ParseGenericUser(body []byte, op Operation) (hookd.UserInput, error) {
	if err := checkOp(op); err != nil {
		return hookd.UserInput{}, err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return hookd.UserInput{}, err
	}
	f := newFields(obj)
	u := hookd.UserInput{EmployeeID: f.required("employee_id", ident)}
	if op == AddUser {
		u.FirstName = ptr(f.required("first_name", line))
		u.LastName = ptr(f.required("last_name", line))
		u.Email = ptr(f.required("email", emailAddr))
	} else {
		u.FirstName = f.optional("first_name", line)
		u.LastName = f.optional("last_name", line)
		u.Email = f.optional("email", emailAddr)
	}
	u.Mobile = f.optional("mobile", line)
	u.DisplayName = f.optional("display_name", line)
	u.Comment = f.comment()
	if err := invalid(f.errs); err != nil {
		return hookd.UserInput{}, err
	}
	return u, nil
}

func ptr(s string) *string { return &s }

// userFields are the user field names a Mapping may target.
var userFields = map[string]kind{
	"employee_id":  ident,
	"first_name":   line,
	"last_name":    line,
	"display_name": line,
	"email":        emailAddr,
	"mobile":       line,
}

// requiredFor lists the user fields op requires.
func requiredFor(op Operation) []string {
	if op == AddUser {
		return []string{"employee_id", "first_name", "last_name", "email"}
	}
	return []string{"employee_id"}
}

func setUserField(u *hookd.UserInput, field, v string) {
	switch field {
	case "employee_id":
		u.EmployeeID = v
	case "first_name":
		u.FirstName = &v
	case "last_name":
		u.LastName = &v
	case "display_name":
		u.DisplayName = &v
	case "email":
		u.Email = &v
	case "mobile":
		u.Mobile = &v
	default:
		panic(fmt.Sprintf("inbound: unknown user field %q", field))
	}
}
