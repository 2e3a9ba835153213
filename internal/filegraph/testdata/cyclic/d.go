package cyclic

func d() int { return 1 }
