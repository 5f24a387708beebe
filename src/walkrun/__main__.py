from walkrun.cli.root import main

main()
