from mlinfra.cli import main

main()
