package cyclic

// B uses A: a.go and b.go form a cycle.
type B struct{ n int }

func (B) back() int { return A() }
