package cyclic

type C struct{}

func (*C) m() int { return d() }
