package inbound

import "github.com/hookd/hookd"

// Paylocity's webhook bodies. The new-hire body carries companyId, employeeId,
// employeeFirstName, employeeLastName and many more employee details; the
// employee-change and termination bodies carry at least companyId and
// employeeId. The member names for email and mobile phone are not confirmed by
// Paylocity's public field list, so each is looked up under several names, the
// first non-empty one winning.
var (
	paylocityEmail  = []string{"employeeWorkEmail", "workEmailAddress", "employeeEmail", "employeePersonalEmail", "personalEmailAddress"}
	paylocityMobile = []string{"employeeMobilePhone", "mobilePhone", "employeePersonalMobilePhone", "personalMobilePhone"}
)

// ParsePaylocity parses the body of a Paylocity new-hire (AddUser),
// employee-change (ModifyUser) or termination (DeleteUser) webhook.
// employeeId is always required (a number is accepted) and becomes the
// EmployeeID; AddUser also requires employeeFirstName and employeeLastName.
// ExternalID is "<companyId>/<employeeId>" when companyId is given. Every
// member without a user field, companyId included, is kept in the Comment.
func ParsePaylocity(body []byte, op Operation) (hookd.UserInput, error) {
	if err := checkOp(op); err != nil {
		return hookd.UserInput{}, err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return hookd.UserInput{}, err
	}
	f := newFields(obj)
	u := hookd.UserInput{EmployeeID: f.required("employeeId", ident)}
	if op == AddUser {
		u.FirstName = ptr(f.required("employeeFirstName", line))
		u.LastName = ptr(f.required("employeeLastName", line))
	} else {
		u.FirstName = f.optional("employeeFirstName", line)
		u.LastName = f.optional("employeeLastName", line)
	}
	u.Email = f.firstOf(paylocityEmail, emailAddr)
	u.Mobile = f.firstOf(paylocityMobile, line)
	company, _ := convert(obj["companyId"], ident)
	if company != "" && u.EmployeeID != "" && !hookd.HasControl(company) {
		u.ExternalID = company + "/" + u.EmployeeID
	}
	u.Comment = f.comment()
	if err := invalid(f.errs); err != nil {
		return hookd.UserInput{}, err
	}
	return u, nil
}

// firstOf returns the first of keys that is given, checking them all.
func (f *fields) firstOf(keys []string, k kind) *string {
	var got *string
	for _, key := range keys {
		if _, ok := f.obj[key]; !ok {
			continue
		}
		if s := f.optional(key, k); s != nil && got == nil {
			got = s
		}
	}
	return got
}
