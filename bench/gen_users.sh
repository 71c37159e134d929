#!/usr/bin/env bash
# Writes a realistic users export of N rows to standard output: non-ASCII names, avatars, roles,
# status messages, tags and metadata columns, as a spreadsheet would export them.
# Usage: bench/gen_users.sh N [UID_PREFIX]
set -euo pipefail
rows=${1:?usage: gen_users.sh N [UID_PREFIX]}
prefix=${2:-user}
awk -v rows="$rows" -v prefix="$prefix" 'BEGIN {
  split("Ana López|Bola Okafor|陈伟|Дмитрий Кузнецов|Emma Schmidt|فاطمة الزهراء|José García|山田 花子|Zoë Williams|Priya Nair", names, "|")
  split("Sales|Support|Engineering|Marketing|Design|Finance|Legal|HR", depts, "|")
  split("emea|apac|latam|na|vip", tags, "|")
  print "uid,name,avatar,role,Status Message,tags,metadata.department,metadata.@private.email"
  for (i = 0; i < rows; i++) {
    name = names[i % 10 + 1] " " i
    avatar = (i % 3 == 0) ? "https://cdn.example.com/avatars/" i ".png" : ""
    role = (i % 50 == 0) ? "moderator" : ""
    status = (i % 7 == 0) ? "\"Away, back soon\"" : ""
    t = tags[i % 5 + 1] ";" tags[(i + 2) % 5 + 1]
    printf "%s%07d,%s,%s,%s,%s,\"%s\",%s,%s%d@example.com\n", prefix, i, name, avatar, role, status, t, depts[i % 8 + 1], prefix, i
  }
}'
