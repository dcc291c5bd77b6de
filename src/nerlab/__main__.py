from nerlab.cli.main import main

main()
