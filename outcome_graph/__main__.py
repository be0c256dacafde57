from outcome_graph.cli import main

main()
