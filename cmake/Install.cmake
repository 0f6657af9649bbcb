# `cmake --install build` lays recharged out where a Debian admin expects it (prefix /usr by default):
#   /usr/bin/recharged, /usr/lib/systemd/system/recharged{,-backup}.service + recharged-backup.timer,
#   /usr/lib/{sysusers,tmpfiles}.d/recharged.conf,
#   /usr/share/recharged/calendar/*.json, /etc/recharged/recharged.toml.example, /etc/logrotate.d/recharged,
#   /usr/share/doc/recharged/, /usr/share/man/man8/recharged.8, /usr/share/man/man5/recharged.toml.5.
#   Stage with DESTDIR (DESTDIR=/tmp/stage cmake --install build).
install(TARGETS recharged RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/recharged.service systemd/recharged-backup.service systemd/recharged-backup.timer
        DESTINATION lib/systemd/system)
install(FILES systemd/recharged.sysusers.conf DESTINATION lib/sysusers.d RENAME recharged.conf)
install(FILES systemd/recharged.tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME recharged.conf)
install(FILES systemd/recharged.logrotate DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d RENAME recharged)
install(FILES etc/recharged.toml.example DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/recharged)
install(DIRECTORY data/calendar/ DESTINATION ${CMAKE_INSTALL_DATADIR}/recharged/calendar FILES_MATCHING PATTERN "*.json"
        PATTERN "LICENSE")
install(FILES man/recharged.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES man/recharged.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES README.md ARCHITECTURE.md data/calendar/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
