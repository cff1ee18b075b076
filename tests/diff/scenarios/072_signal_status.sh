# A command killed by a signal: 128+N.
script=$(cat <<'EOS'
echo before
kill -TERM $$
echo after
EOS
)
