from walkrun.cli import main

main()
