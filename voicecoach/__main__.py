from voicecoach.cli import main

main()
