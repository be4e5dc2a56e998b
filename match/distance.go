package match

// distance is the optimal-string-alignment edit distance between two
// phonetic forms (ASCII), weighted by sound class: a vowel for another
// vowel, a voiced consonant for its voiceless pair (b/p, d/t, g/k, v/f,
// z/s, and p/f as in Юсупов/Юсуфов), inserting or deleting a vowel or h
// cost 0.5; two neighbours swapped cost 0.75; anything else costs 1.
// Romanisation variants are already equal after phonetic, so what is left
// here is spelling slips and genuinely different names.
func distance(a, b string) float64 { return distanceFree(a, b, false) }

// distanceFree is distance, except that with free set a is a word written
// in Arabic script: the short vowels it does not write may be inserted into
// it at no cost, and its و (u) may stand for a v.
func distanceFree(a, b string, free bool) float64 {
	var buf [3 * 33]float64
	var rows []float64
	if len(b)+1 <= 33 {
		rows = buf[:3*(len(b)+1)]
	} else {
		rows = make([]float64, 3*(len(b)+1))
	}
	w := len(b) + 1
	prev2, prev, cur := rows[:w], rows[w:2*w], rows[2*w:]
	ins := func(c byte) float64 {
		if free && isVowelClass(c) {
			return 0
		}
		return indelCost(c)
	}
	sub := func(x, y byte) float64 {
		if free && x == 'u' && y == 'v' {
			return 0.5
		}
		return subCost(x, y)
	}
	for j := 0; j <= len(b); j++ {
		if j == 0 {
			prev[0] = 0
		} else {
			prev[j] = prev[j-1] + ins(b[j-1])
		}
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = prev[0] + indelCost(a[i-1])
		for j := 1; j <= len(b); j++ {
			d := min(
				prev[j]+indelCost(a[i-1]),
				cur[j-1]+ins(b[j-1]),
				prev[j-1]+sub(a[i-1], b[j-1]),
			)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] && a[i-1] != b[j-1] {
				d = min(d, prev2[j-2]+0.75)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func indelCost(c byte) float64 {
	if isVowelClass(c) || c == 'h' {
		return 0.5
	}
	return 1
}

func subCost(x, y byte) float64 {
	if x == y {
		return 0
	}
	if isVowelClass(x) && isVowelClass(y) {
		return 0.5
	}
	if x > y {
		x, y = y, x
	}
	switch string([]byte{x, y}) {
	case "bp", "dt", "gk", "fv", "sz", "fp", "gh":
		return 0.5
	}
	return 1
}
