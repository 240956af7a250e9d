from saferleeds.cli import main

main()
