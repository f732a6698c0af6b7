"""A shortfall the first-fit placement leaves is repaired in the neighbourhood of the house that falls short,
before any model of the whole component is built: that model is what a busy machine makes slow."""

from solver_factories import offer, provider, scenario, window

from roombook.solver import check_plan, solve
from roombook.solver.greedy import place_greedily
from roombook.solver.problem import build_problem


def test_the_first_valid_plan_comes_from_the_repair_when_the_greedy_falls_short():
    # "kurz" has two possible starts and goes first; first fit puts it at 08:00, where every start of "lang" overlaps it
    city = scenario(providers=[provider("früh", available=[window("mon", "08:00", "09:00"),
                                                           window("mon", "10:00", "11:00")]),
                               provider("spät", available=[window("mon", "08:00", "10:30")])],
                    offers=[offer("kurz", providers=["früh"]), offer("lang", providers=["spät"], duration=120)])
    problem = build_problem(city)
    assert [s.offer for s in problem.sessions if s.index not in place_greedily(problem)] == ["lang"]

    events: list[dict] = []
    plan = solve(city, 30, events.append)

    assert [(e["phase"], e["hard"]) for e in events][:2] == [("greedy", 1), ("repair", 0)]
    assert plan["unplaced"] == [] and check_plan(city, plan) == []
