# The command's exit status is returned.
script=$(cat <<'EOS'
echo before
exit 42
EOS
)
