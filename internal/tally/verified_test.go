package tally

import (
	"testing"

	"github.com/jetcp/jetcp/messages"
)

// Verified's arrays hold one count per category and per proof: a proof or
// category added to messages without growing them would panic on its
// first result.
func TestVerifiedHoldsEveryCategoryAndProof(t *testing.T) {
	var v Verified
	if len(v.Categories) != len(messages.Categories) || len(v.Proofs) != len(messages.Proofs) {
		t.Fatalf("Verified holds %d categories and %d proofs; messages has %d and %d",
			len(v.Categories), len(v.Proofs), len(messages.Categories), len(messages.Proofs))
	}
	for _, p := range messages.Proofs {
		v.add(&messages.Result{Category: messages.CategorySame, Proof: p})
	}
	for i, n := range v.Proofs {
		if n != 1 {
			t.Errorf("proof %s counted %d times", messages.Proofs[i], n)
		}
	}
}
