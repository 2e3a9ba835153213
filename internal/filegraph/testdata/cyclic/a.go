package cyclic

// A uses B's field, C's method and D's function.
func A() int { return B{}.n + (*C).m(nil) + d() }
