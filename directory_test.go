package hookd

import "testing"

func TestUserStatusValid(t *testing.T) {
	for _, s := range []UserStatus{UserActive, UserTerminated} {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	if UserStatus("gone").Valid() || UserStatus("").Valid() {
		t.Error("unknown status valid")
	}
}
