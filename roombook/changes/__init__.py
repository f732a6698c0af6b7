"""Room changes (Raumänderungen): a closure is one decision, not one conflict per date.

`recording` writes the closure and groups what it hits per series with a proposed repair (`repair`);
`deciding` applies a person's decisions in one transaction, lets a volunteer answer for their own series,
and settles unanswered offers at their deadline; `telling` tells everyone concerned once per change.
"""
